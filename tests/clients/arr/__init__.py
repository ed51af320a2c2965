"""Tests of the Radarr and Sonarr clients (clients/arr/)."""
