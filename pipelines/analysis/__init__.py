"""Collaboration beside the goal indicators: the statistics (``statistics``) and the mart asset
``marts.collaboration_and_goals`` (``assets``)."""
