"""slicer: the proxy cuts each chunk into pieces of about ``average_size_bytes`` (±
``size_variation_bytes``) sent ``delay_us`` apart: many small TCP segments, as on a lossy or
fragmenting path; exercises the driver's packet reassembly and adds per-piece latency."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from harness.faults.base import register
from harness.faults.toxic import ToxicFault, ToxicSpec


class Spec(ToxicSpec):
    type: Literal["slicer"] = "slicer"
    average_size_bytes: int = Field(ge=1, description="average piece size, bytes (0 would crash Toxiproxy)")
    size_variation_bytes: int = Field(0, ge=0, description="pieces vary by up to this much, bytes; "
                                      "must be smaller than average_size_bytes")
    delay_us: int = Field(0, ge=0, description="pause between two pieces, microseconds")

    @model_validator(mode="after")
    def _variation(self) -> Spec:
        if self.size_variation_bytes >= self.average_size_bytes:
            raise ValueError(f"size_variation_bytes: expected less than average_size_bytes "
                             f"({self.average_size_bytes}), got {self.size_variation_bytes}")
        return self

    def toxic_attributes(self) -> dict[str, int]:
        return {"average_size": self.average_size_bytes, "size_variation": self.size_variation_bytes,
                "delay": self.delay_us}


register(Spec, ToxicFault)
