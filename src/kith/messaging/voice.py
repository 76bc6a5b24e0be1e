"""Twilio's signed voice webhooks: a call to the group's number, and the key pressed at its
menu. What is said and who is dialled is decided in relay.py; these only check the signature
(403 otherwise, like the text webhooks) and answer TwiML."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kith.messaging import relay
from kith.messaging.webhooks import signed

NOT_SIGNED = "Not signed by the phone provider"


def _twiml(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/xml")


@csrf_exempt
@require_POST
def call(request):
    if not signed(request):
        return HttpResponseForbidden(NOT_SIGNED)
    post = request.POST
    return _twiml(relay.answer_call(post.get("CallSid", "")[:40], post.get("From", ""),
                                    post.get("To", "")))


@csrf_exempt
@require_POST
def choice(request):
    if not signed(request):
        return HttpResponseForbidden(NOT_SIGNED)
    post = request.POST
    offered = [int(pk) for pk in request.GET.get("tasks", "").split(",")[:relay.MENU_MAX]
               if pk.isdigit() and len(pk) < 12]
    return _twiml(relay.answer_choice(post.get("CallSid", "")[:40], post.get("From", ""),
                                      post.get("To", ""), post.get("Digits", "")[:4], offered))
