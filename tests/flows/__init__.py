"""End-to-end stories: real payloads posted to the webhooks, time advanced, the sensors asserted."""
