"""Answering: the assistant (question -> retrieval -> answer) and the answer generators behind one interface."""
