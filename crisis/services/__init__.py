"""Writes of the crisis app. Views, API, tasks call these; nothing else writes."""
