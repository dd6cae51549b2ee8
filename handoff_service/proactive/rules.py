"""Proactive rules as data (proactive/rules.yml): loaded, validated with errors that name the rule
and the field, and rendered into the message a shopper reads."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from store.client import REMEDY_KINDS

RuleKind = Literal["no_tracking_update", "shipped", "delivery_exception", "presale_delay", "refund_completed"]
RULE_KINDS: tuple[str, ...] = RuleKind.__args__  # type: ignore[attr-defined]
PLACEHOLDERS = frozenset(
    ["name", "order_id", "items", "carrier", "tracking_no", "hours", "location", "last_update", "exception", "promised", "expected", "days_late", "refund_amount", "total"]
)


class RulesError(ValueError):
    """The rules file cannot be used; the message says where (file, rule, field) and why."""


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zh: str = Field(min_length=1, max_length=1000)
    en: str = Field(min_length=1, max_length=1000)

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    @model_validator(mode="after")
    def _known_placeholders(self) -> Texts:
        for lang, text in (("zh", self.zh), ("en", self.en)):
            try:
                names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
            except ValueError as exc:
                raise ValueError(f"{lang}: {exc} (write a literal brace as {{{{ or }}}})") from exc
            if unknown := sorted(names - PLACEHOLDERS):
                raise ValueError(f"{lang}: unknown placeholder {{{unknown[0]}}}; known: {', '.join(sorted(PLACEHOLDERS))}")
        return self


class Choice(BaseModel):
    """One button under the message: what the shopper can have done with one click."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    action: Literal["coupon", "remedy", "acknowledge"]
    label: Texts
    amount: float | None = Field(default=None, gt=0)  # the coupon's value; a remedy's cost (refund: order total if unset)
    remedy: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> Choice:
        if self.action == "coupon" and self.amount is None:
            raise ValueError("a coupon choice needs an amount")
        if self.action == "remedy" and self.remedy not in REMEDY_KINDS:
            raise ValueError(f"remedy must be one of {', '.join(REMEDY_KINDS)}, not {self.remedy!r}")
        if self.action != "remedy" and self.remedy is not None:
            raise ValueError("only a remedy choice names a remedy")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    kind: RuleKind
    enabled: bool = True
    hours: float = Field(default=48, gt=0)  # no_tracking_update: silent this long
    max_age_hours: float = Field(default=24, gt=0)  # shipped, refund_completed: only this recent
    text: Texts
    choices: Annotated[list[Choice], Field(max_length=3)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_choices(self) -> Rule:
        ids = [c.id for c in self.choices]
        if len(ids) != len(set(ids)):
            raise ValueError(f"choice ids repeat: {ids}")
        return self


class RuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_rules(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"rule ids repeat: {sorted({i for i in ids if ids.count(i) > 1})}")
        return self

    @property
    def active(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def rule(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    def kinds(self) -> set[str]:
        return {r.kind for r in self.active}


def _where(rules: object, loc: tuple[int | str, ...]) -> str:
    """`rules[2] (stuck_parcel).choices[0].amount` for a pydantic error location."""
    parts: list[str] = []
    node: object = rules
    for step in loc:
        if isinstance(step, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step}]"]
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict) and "id" in node and isinstance(node["id"], str):
                parts[-1] += f" ({node['id']})"
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts) or "(top level)"


def parse_rules(text: str, source: str = "rules", coupon_limit: float | None = None) -> RuleSet:
    """Rules from YAML text; RulesError naming `source`, the rule and the field for anything wrong,
    including a coupon above the bot's authority (`coupon_limit`)."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{source}: not valid YAML: {exc}") from exc
    try:
        rules = RuleSet.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{_where(raw, tuple(e['loc']))}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        raise RulesError(f"{source}: " + "; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "")) from exc
    if coupon_limit is not None:
        for i, rule in enumerate(rules.rules):
            for j, choice in enumerate(rule.choices):
                if choice.action == "coupon" and (choice.amount or 0) > coupon_limit:
                    raise RulesError(
                        f"{source}: rules[{i}] ({rule.id}).choices[{j}] ({choice.id}).amount: {choice.amount:g} is above "
                        f"the bot's coupon authority of {coupon_limit:g} (KEFU_COUPON_LIMIT_BOT)"
                    )
    return rules


def load_rules(path: Path, coupon_limit: float | None = None) -> RuleSet:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file ({exc.strerror})") from exc
    return parse_rules(text, str(path), coupon_limit)
