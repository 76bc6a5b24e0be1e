from django.urls import path

from kith.messaging import views, voice, webhooks

app_name = "messaging"
urlpatterns = [
    path("g/<slug:group_slug>/messages/", views.group_log, name="group_log"),
    path("messaging/twilio/status/", webhooks.status, name="twilio_status"),
    path("messaging/twilio/inbound/", webhooks.inbound, name="twilio_inbound"),
    path("messaging/twilio/voice/", voice.call, name="twilio_voice"),
    path("messaging/twilio/voice/choice/", voice.choice, name="twilio_voice_choice"),
]
