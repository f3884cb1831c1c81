"""A modal the app opened, filled in the way a person fills it: by the labels they see.

A test builds a :class:`ModalForm` from the view the emulator stored (``emulator.view(view_id)``, or the
``views.open`` answer's ``["view"]``), fills fields by label, and submits ``form.state_values()`` with
``form.view``. So a test names "Key points", never a block or action id: an id the app renames in the
modal but not in its listener fails the test, as it would lose the value in real Slack.

What Slack sends, and what it checks before a submission leaves the client:

* ``view.state.values`` holds every stateful element of the view, keyed ``{block_id: {action_id: {...}}}``,
  each with its ``type`` and the value key of that type; a blank one is there too, as ``null`` (or ``[]``
  for checkboxes). Relied on: the view_submission and block_actions payload references, the changelog
  "A full state on view submission and block actions" (2020-09: every stateful element, not only input
  blocks), Bolt-JS's ``ViewStateValue`` type (``value``/``selected_user``/``selected_date``/
  ``selected_time``/``selected_option``: ``string | null``; ``selected_options``: a list) and a captured
  view_submission with an empty input: ``{"type": "plain_text_input", "value": null}``.
* An input block is required unless ``optional: true`` (input block reference: "whether the input element
  may be empty when a user submits the modal. Defaults to false"); a plain_text_input's ``min_length`` /
  ``max_length`` are "the minimum/maximum length of input that the user must/can provide. If the user
  provides less/more, they will receive an error" (plain-text input element reference). The client shows
  those errors itself: the app never hears of such a submission (:class:`NotSubmittable`).
* Initial values (``initial_value``, ``initial_user``, ``initial_date``, ``initial_time``,
  ``initial_option``, ``initial_options``) are the state until the person changes them.
* A block or element without an id gets one from Slack ("If not specified, one will be generated"); the
  form fills them in, and :attr:`ModalForm.view` carries them, as the stored view does in Slack.

A hand-crafted client can send anything: :meth:`ModalForm.forge` sets a raw value and
:meth:`ModalForm.forged` a changed view, and only ``state_values(unchecked=True)`` sends what a person
could not. Tests that forge say so.
"""

from __future__ import annotations

import copy
import re
import secrets
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Protocol

# Each element type the form can fill: the key its value has in view.state, and that value when blank.
VALUE_KEYS: dict[str, tuple[str, Any]] = {
    "plain_text_input": ("value", None),
    "users_select": ("selected_user", None),
    "datepicker": ("selected_date", None),
    "timepicker": ("selected_time", None),
    "checkboxes": ("selected_options", []),
    "static_select": ("selected_option", None),
    "radio_buttons": ("selected_option", None),
}
# Where each element type's initial value is in the view (checkboxes' is a list of options).
_INITIAL_KEYS = {
    "plain_text_input": "initial_value",
    "users_select": "initial_user",
    "datepicker": "initial_date",
    "timepicker": "initial_time",
    "checkboxes": "initial_options",
    "static_select": "initial_option",
    "radio_buttons": "initial_option",
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


class NoSuchField(LookupError):
    """A test named a field the view lacks, or one of another kind: the message lists the view's fields."""


class NotSubmittable(Exception):
    """Slack's client would not send this form: a field breaks a rule the client checks itself."""

    def __init__(self, label: str, block_id: str, rule: str) -> None:
        super().__init__(f"{label!r} (block {block_id!r}) can't be submitted: {rule}")
        self.label = label
        self.block_id = block_id
        self.rule = rule


class StoredViews(Protocol):
    """Where opened views are kept (the emulator)."""

    def view(self, view_id: str) -> dict[str, Any] | None: ...


@dataclass
class Field:
    """One stateful element of the view: where its state goes, what a person sees, what they entered."""

    block_id: str
    action_id: str
    label: str | None  # an input block's label; None for an element outside an input block
    element: dict[str, Any]
    optional: bool
    state: dict[str, Any]
    forged: bool = False

    @property
    def type(self) -> str:
        return str(self.element["type"])

    @property
    def value(self) -> Any:
        return self.state[VALUE_KEYS[self.type][0]]

    def set(self, value: Any) -> None:
        self.state[VALUE_KEYS[self.type][0]] = value

    def refusal(self) -> str | None:
        """Why Slack's client would not send this field as it is, or None."""
        if self.forged:
            return "it holds a forged value, which only state_values(unchecked=True) sends"
        blank = self.value in (None, "", [])
        if blank:
            # An optional blank field is fine even with a min_length (as HTML's minlength; Slack's docs
            # don't say otherwise).
            return None if self.optional or self.label is None else "it is required and left blank"
        if self.type == "plain_text_input":
            length = len(self.value)  # characters; GUESS: Slack's client may count UTF-16 units
            if "max_length" in self.element and length > int(self.element["max_length"]):
                return f"{length} characters, more than its max_length {self.element['max_length']}"
            if "min_length" in self.element and length < int(self.element["min_length"]):
                return f"{length} characters, fewer than its min_length {self.element['min_length']}"
        return None


class ModalForm:
    """A modal as a person sees it: fill it by labels, then send :meth:`state_values` with :attr:`view`."""

    def __init__(self, view: dict[str, Any]) -> None:
        if not view.get("id"):
            raise ValueError("a form needs the view as Slack stored it (with its id): emulator.view(view_id)")
        self._view = copy.deepcopy(view)
        self.fields: list[Field] = []
        for block in self._view.get("blocks") or []:
            self.fields.extend(_fields_of(block))

    @classmethod
    def stored(cls, views: StoredViews, view_id: str) -> ModalForm:
        """The form of the view `view_id` as the emulator holds it now (after any views.update)."""
        view = views.view(view_id)
        if view is None:
            raise LookupError(f"no view {view_id!r} was opened")
        return cls(view)

    @property
    def view(self) -> dict[str, Any]:
        """The stored view (id, hash, callback_id, private_metadata, blocks with their ids)."""
        return copy.deepcopy(self._view)

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields if f.label is not None]

    # ------------------------------------------------------------------ what a person does
    def fill(self, label: str, text: str, nth: int = 1) -> ModalForm:
        """Type `text` into a plain_text_input (replacing what was there); "" clears it."""
        self.field(label, "plain_text_input", nth).set(text or None)  # a cleared input is sent as null
        return self

    def choose_user(self, label: str, user_id: str, nth: int = 1) -> ModalForm:
        self.field(label, "users_select", nth).set(user_id)
        return self

    def pick_date(self, label: str, day: str, nth: int = 1) -> ModalForm:
        """Pick a day ("YYYY-MM-DD") in a datepicker: only a real day can be picked."""
        if not _DATE.fullmatch(day):
            raise ValueError(f"a datepicker picks YYYY-MM-DD, not {day!r}")
        date.fromisoformat(day)
        self.field(label, "datepicker", nth).set(day)
        return self

    def pick_time(self, label: str, hh_mm: str, nth: int = 1) -> ModalForm:
        """Pick a time ("HH:MM", 24-hour) in a timepicker."""
        if not _TIME.fullmatch(hh_mm):
            raise ValueError(f"a timepicker picks HH:MM, not {hh_mm!r}")
        time.fromisoformat(hh_mm)
        self.field(label, "timepicker", nth).set(hh_mm)
        return self

    def check(self, label: str, *option_texts: str, nth: int = 1) -> ModalForm:
        """Tick the checkboxes shown with these texts (ticked ones stay ticked)."""
        field = self.field(label, "checkboxes", nth)
        ticked = {o["value"] for o in field.value} | {o["value"] for o in _options(field, option_texts)}
        field.set([o for o in _all_options(field.element) if o["value"] in ticked])
        return self

    def uncheck(self, label: str, *option_texts: str, nth: int = 1) -> ModalForm:
        field = self.field(label, "checkboxes", nth)
        unticked = {o["value"] for o in _options(field, option_texts)}
        field.set([o for o in field.value if o["value"] not in unticked])
        return self

    def select(self, label: str, option_text: str, nth: int = 1) -> ModalForm:
        """Choose an option of a static_select by its text."""
        field = self.field(label, "static_select", nth)
        field.set(_options(field, (option_text,))[0])
        return self

    def choose(self, label: str, option_text: str, nth: int = 1) -> ModalForm:
        """Choose a radio button by its text."""
        field = self.field(label, "radio_buttons", nth)
        field.set(_options(field, (option_text,))[0])
        return self

    # ------------------------------------------------------------------ what a crafted client does
    def forge(self, label: str, value: Any, nth: int = 1) -> ModalForm:
        """Put `value` in a field's state whatever its element allows (a hand-crafted client's request);
        from then on only ``state_values(unchecked=True)`` sends the form."""
        field = self.field(label, None, nth)
        field.set(copy.deepcopy(value))
        field.forged = True
        return self

    def forged(self, **changes: Any) -> dict[str, Any]:
        """The view with `changes` (e.g. another meeting's private_metadata): a crafted client's claim."""
        return {**self.view, **changes}

    # ------------------------------------------------------------------ what Slack sends
    def refusals(self) -> list[NotSubmittable]:
        """Every rule the form breaks now, in the view's order (empty: a person can submit it)."""
        return [
            NotSubmittable(f.label or f.action_id, f.block_id, why)
            for f in self.fields
            if (why := f.refusal()) is not None
        ]

    def state_values(self, *, unchecked: bool = False) -> dict[str, dict[str, Any]]:
        """Slack's ``view.state.values`` for the form as filled; raises :class:`NotSubmittable` for a form
        Slack's client would not send, unless `unchecked` (a forged submission)."""
        if not unchecked and (refused := self.refusals()):
            raise refused[0]
        values: dict[str, dict[str, Any]] = {}
        for field in self.fields:
            values.setdefault(field.block_id, {})[field.action_id] = copy.deepcopy(field.state)
        return values

    # ------------------------------------------------------------------ finding fields
    def field(self, label: str, kind: str | None = None, nth: int = 1) -> Field:
        """The `nth` input labelled `label`, which must be a `kind` element (any kind if None)."""
        named = [f for f in self.fields if f.label == label]
        if not named:
            raise NoSuchField(f"no field labelled {label!r}; the view's fields: {self._described()}")
        if not 1 <= nth <= len(named):
            raise NoSuchField(
                f"{label!r} appears {len(named)} time(s), not {nth}; fields: {self._described()}"
            )
        found = named[nth - 1]
        if kind is not None and found.type != kind:
            raise NoSuchField(
                f"{label!r} is a {found.type}, not a {kind}; the view's fields: {self._described()}"
            )
        return found

    def _described(self) -> str:
        return ", ".join(f"{f.label!r} ({f.type})" for f in self.fields if f.label is not None) or "none"


def _fields_of(block: dict[str, Any]) -> list[Field]:
    """The stateful elements of one block, with Slack's generated ids where the view gave none."""
    block.setdefault("block_id", _generated_id())
    if block.get("type") == "input":
        element = block["element"]
        if element.get("type") not in VALUE_KEYS:
            raise NotImplementedError(
                f"the form can't fill a {element.get('type')!r} yet: add it to VALUE_KEYS"
            )
        label = _text_of(block.get("label"))
        return [_field(block, element, label, bool(block.get("optional")))]
    # Outside input blocks (a section's accessory, an actions block) only some elements hold state;
    # they have no label of their own, and Slack still reports them.
    elements = (
        [block.get("accessory"), *(block.get("elements") or [])] if block.get("type") != "context" else []
    )
    return [
        _field(block, e, None, True) for e in elements if isinstance(e, dict) and e.get("type") in VALUE_KEYS
    ]


def _field(block: dict[str, Any], element: dict[str, Any], label: str | None, optional: bool) -> Field:
    element.setdefault("action_id", _generated_id())
    key, blank = VALUE_KEYS[element["type"]]
    initial = element.get(_INITIAL_KEYS[element["type"]])
    value: Any
    if element["type"] == "checkboxes":
        wanted = {o.get("value") for o in initial or []}
        value = [o for o in _all_options(element) if o.get("value") in wanted]  # as the view defined them
    else:
        value = copy.deepcopy(initial) if initial not in (None, "") else copy.deepcopy(blank)
    return Field(
        block["block_id"],
        element["action_id"],
        label,
        element,
        optional,
        {"type": element["type"], key: value},
    )


def _all_options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options") or [])]


def _options(field: Field, texts: tuple[str, ...]) -> list[dict[str, Any]]:
    """The field's options shown with these texts, as the view defined them."""
    shown = {_text_of(o.get("text")): o for o in _all_options(field.element)}
    missing = [t for t in texts if t not in shown]
    if missing:
        raise NoSuchField(f"{field.label!r} has no option {missing[0]!r}; its options: {list(shown)}")
    return [copy.deepcopy(shown[t]) for t in texts]


def _text_of(text: Any) -> str:
    return str(text.get("text", "")) if isinstance(text, dict) else str(text or "")


def _generated_id() -> str:
    return secrets.token_urlsafe(3)  # Slack's generated ids are short random strings
