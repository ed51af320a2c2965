"""Radarr and Sonarr: their webhooks, their shared payload pieces, their API and download queue."""
