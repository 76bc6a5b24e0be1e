"""A network above the personas' borough, its coordinator, and a registration form filled in.

London Mutual Aid (network) ⊃ Kensington & Chelsea (borough) ⊃ Golborne ward ⊃ Golborne Road.
Nia coordinates the network: she approves new groups anywhere in it.
"""

from __future__ import annotations

import pytest

from kith.groups.models import Group
from tests.factories import GroupFactory, MembershipFactory, PersonFactory


@pytest.fixture
def other_network(db):
    """Another network, with its own borough, and Ken coordinating it."""
    network = GroupFactory(slug="manchester-mutual-aid", name="Manchester Mutual Aid",
                           kind=Group.Kind.NETWORK)
    GroupFactory(slug="salford", name="Salford Mutual Aid", kind=Group.Kind.BOROUGH,
                 parent=network)
    person = PersonFactory(email="ken@example.org", display_name="Ken Lowe")
    MembershipFactory(person=person, group=network, is_coordinator=True)
    network.coordinator = person
    return network


@pytest.fixture
def registration_data(network, ward):
    """What an organiser types to register a street group under Golborne ward."""
    return {
        "name": "Portobello Road Neighbours",
        "kind": "street",
        "parent": str(ward.pk),
        "coverage": "w10 5, W11 1",
        "whatsapp_url": "https://chat.whatsapp.com/AbCdEfGhIjKlMnOp",
        "facebook_url": "",
        "phone": "020 7946 0000",
        "email": "",
        "organiser_name": "Ruth Okoro",
        "organiser_email": "Ruth@Example.org",
    }


@pytest.fixture
def submit(network, ward):
    """Submit a registration through the service, as the public form would."""
    from django.contrib.auth.models import AnonymousUser

    from kith.listings import services

    def submit(**overrides):
        fields = {"name": "Portobello Road Neighbours", "kind": "street", "parent": ward,
                  "coverage": ["W10 5"], "organiser_name": "Ruth Okoro",
                  "organiser_email": "ruth@example.org",
                  "whatsapp_url": "https://chat.whatsapp.com/AbCdEfGhIjKlMnOp"}
        fields.update(overrides)
        return services.submit_registration(acting_user=AnonymousUser(), **fields)

    return submit
