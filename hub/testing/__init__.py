"""What connector authors import in their tests: the contract suite and fixtures."""

from __future__ import annotations

from hub.testing.contract import ConnectorContract, HttpProbe, SinkCase, StreamCase

__all__ = ["ConnectorContract", "HttpProbe", "SinkCase", "StreamCase"]
