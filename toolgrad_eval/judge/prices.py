"""Judge prices: a table shipped in the package (``prices.json``), overridable by a user file.

Prices are USD per 1M tokens, standard and Batch API tiers, with the page they were read from and
the date, because prices change and a cost figure is only as good as its table. A user file
(``--prices FILE``) has the same shape; its models replace or extend the shipped ones.
A model with no price (a self-hosted judge) still reports tokens; its cost is unknown (None).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from toolgrad_eval.errors import ConfigError

_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # gpt-4.1-2025-04-14 is priced as gpt-4.1


class ModelPrice(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    input: float = Field(ge=0, description="USD per 1M input (prompt) tokens")
    output: float = Field(ge=0, description="USD per 1M output (completion) tokens")
    batch_input: float | None = Field(default=None, ge=0, description="Batch API tier; default half of input")
    batch_output: float | None = Field(default=None, ge=0, description="Batch API tier; default half of output")


class PriceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: str
    retrieved: str
    currency: str = "USD per 1M tokens"
    models: dict[str, ModelPrice]


@dataclass(frozen=True)
class Price:
    """One model's rates, resolved for a tier (live or batch)."""

    model: str
    input_per_m: float
    output_per_m: float
    source: str
    retrieved: str
    batch: bool = False

    def cost(self, prompt_tokens: float, completion_tokens: float) -> float:
        return (prompt_tokens * self.input_per_m + completion_tokens * self.output_per_m) / 1_000_000

    def as_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "tier": "batch" if self.batch else "standard",
            "input_usd_per_1m": self.input_per_m,
            "output_usd_per_1m": self.output_per_m,
            "source": self.source,
            "retrieved": self.retrieved,
        }


class PriceTable:
    def __init__(self, files: list[tuple[str, PriceFile]]) -> None:
        # later files win: the user's table overrides the shipped one model by model
        self._entries: dict[str, tuple[ModelPrice, PriceFile]] = {}
        for _, data in files:
            for name, price in data.models.items():
                self._entries[name.lower()] = (price, data)

    def lookup(self, model: str, *, batch: bool = False) -> Price | None:
        name = model.lower()
        for candidate in (
            name,
            _SNAPSHOT.sub("", name),
            name.rsplit("/", 1)[-1],
            _SNAPSHOT.sub("", name.rsplit("/", 1)[-1]),
        ):
            if candidate in self._entries:
                price, data = self._entries[candidate]
                if batch:
                    rates = (_half(price.batch_input, price.input), _half(price.batch_output, price.output))
                else:
                    rates = (price.input, price.output)
                return Price(model, rates[0], rates[1], data.source, data.retrieved, batch)
        return None

    @property
    def models(self) -> Mapping[str, ModelPrice]:
        return {name: entry[0] for name, entry in self._entries.items()}


def _half(explicit: float | None, standard: float) -> float:
    return explicit if explicit is not None else standard / 2


def load_prices(user_file: Path | None = None) -> PriceTable:
    """The shipped table, overridden by ``user_file`` when given."""
    shipped = resources.files("toolgrad_eval.judge").joinpath("prices.json").read_bytes()
    files = [("prices.json", PriceFile.model_validate_json(shipped))]
    if user_file is not None:
        try:
            raw = Path(user_file).read_bytes()
        except OSError as exc:
            raise ConfigError(f"{user_file}: cannot read the price file ({exc.strerror})") from None
        try:
            files.append((str(user_file), PriceFile.model_validate_json(raw)))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "file"
            raise ConfigError(f"{user_file}: invalid price file ({where}: {first['msg']})") from None
    return PriceTable(files)
