"""Factories for test data. Services are used where the test is about audit; these are for setup."""

import factory
from django.contrib.auth import get_user_model

from kith.groups.models import Group, Membership
from kith.residents.models import Resident


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    display_name = factory.Faker("name", locale="en_GB")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Through the manager, as sign-up does, so allauth's EmailAddress row exists too.
        return model_class.objects.create_user(*args, **kwargs)


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Street group {n}")
    slug = factory.Sequence(lambda n: f"street-{n}")
    kind = Group.Kind.STREET


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    group = factory.SubFactory(GroupFactory)


def _phone_digest(phone):
    from kith.core.digest import phone_digest

    return phone_digest(phone or "")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    group = factory.SubFactory(GroupFactory)
    name = factory.Sequence(lambda n: f"Mrs Resident {n}")
    phone = "+442079460100"
    phone_digest = factory.LazyAttribute(lambda o: _phone_digest(o.phone))
    address = "14 Golborne Road, London W10 5NW"
    postcode_sector = "W10 5"
