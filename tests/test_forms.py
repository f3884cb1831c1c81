"""emulator/forms.py: a modal filled by its labels, checked as Slack's client checks it, sent as Slack
sends it."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.models.blocks import (
    ActionsBlock,
    CheckboxesElement,
    DatePickerElement,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from emulator.forms import ModalForm, NoSuchField, NotSubmittable

COLOURS = [Option(value="r", text="Red"), Option(value="g", text="Green"), Option(value="b", text="Blue")]


def stored(*blocks: Any, **view: Any) -> dict[str, Any]:
    """A modal of `blocks` as Slack stores it on views.open: with an id and a hash."""
    built = View(type="modal", title="A form", submit="Send", blocks=list(blocks), **view).to_dict()
    return {**built, "id": "V0FORM001", "hash": "1700000000.abcd1234", "state": {"values": {}}}


def every_kind(optional: bool = True, **initial: Any) -> dict[str, Any]:
    """One input of each kind the form fills, blank unless `initial` gives an element's initial value."""

    def given(name: str) -> dict[str, Any]:
        return {name: initial[name]} if name in initial else {}

    return stored(
        InputBlock(
            block_id="text",
            label="Text",
            optional=optional,
            element=PlainTextInputElement(action_id="t", **given("initial_value")),
        ),
        InputBlock(
            block_id="user",
            label="User",
            optional=optional,
            element=UserSelectElement(action_id="u", **given("initial_user")),
        ),
        InputBlock(
            block_id="day",
            label="Day",
            optional=optional,
            element=DatePickerElement(action_id="d", **given("initial_date")),
        ),
        InputBlock(
            block_id="at",
            label="At",
            optional=optional,
            element=TimePickerElement(action_id="h", **given("initial_time")),
        ),
        InputBlock(
            block_id="ticks",
            label="Ticks",
            optional=optional,
            element=CheckboxesElement(action_id="c", options=COLOURS, **given("initial_options")),
        ),
        InputBlock(
            block_id="pick",
            label="Pick",
            optional=optional,
            element=StaticSelectElement(action_id="s", options=COLOURS, **given("initial_option")),
        ),
        InputBlock(
            block_id="radio",
            label="Radio",
            optional=optional,
            element=RadioButtonsElement(action_id="r", options=COLOURS, **given("initial_option")),
        ),
    )


def option(form: ModalForm, text: str) -> dict[str, Any]:
    """The option shown as `text` in the "Ticks" checkboxes, as the view defines it."""
    return next(o for o in form.field("Ticks").element["options"] if o["text"]["text"] == text)


def test_a_blank_form_sends_every_input_with_slacks_blank_value() -> None:
    form = ModalForm(every_kind())
    assert form.labels == ["Text", "User", "Day", "At", "Ticks", "Pick", "Radio"]
    assert form.state_values() == {
        "text": {"t": {"type": "plain_text_input", "value": None}},
        "user": {"u": {"type": "users_select", "selected_user": None}},
        "day": {"d": {"type": "datepicker", "selected_date": None}},
        "at": {"h": {"type": "timepicker", "selected_time": None}},
        "ticks": {"c": {"type": "checkboxes", "selected_options": []}},
        "pick": {"s": {"type": "static_select", "selected_option": None}},
        "radio": {"r": {"type": "radio_buttons", "selected_option": None}},
    }


def test_each_kind_is_filled_by_its_label_and_sent_in_its_own_shape() -> None:
    form = ModalForm(every_kind())
    form.fill("Text", "Hello & <b>").choose_user("User", "U0ALICE01").pick_date("Day", "2026-12-10")
    form.pick_time("At", "09:30").check("Ticks", "Blue", "Red").select("Pick", "Green")
    form.choose("Radio", "Red")
    values = form.state_values()
    assert values["text"] == {"t": {"type": "plain_text_input", "value": "Hello & <b>"}}  # as typed
    assert values["user"] == {"u": {"type": "users_select", "selected_user": "U0ALICE01"}}
    assert values["day"] == {"d": {"type": "datepicker", "selected_date": "2026-12-10"}}
    assert values["at"] == {"h": {"type": "timepicker", "selected_time": "09:30"}}
    # Selected options are the view's option objects, in the order the view shows them.
    red, blue = option(form, "Red"), option(form, "Blue")
    assert values["ticks"] == {"c": {"type": "checkboxes", "selected_options": [red, blue]}}
    assert values["pick"]["s"] == {"type": "static_select", "selected_option": option(form, "Green")}
    assert values["radio"]["r"] == {"type": "radio_buttons", "selected_option": red}
    form.uncheck("Ticks", "Red").fill("Text", "")
    values = form.state_values()
    assert values["ticks"]["c"]["selected_options"] == [blue]
    assert values["text"]["t"] == {"type": "plain_text_input", "value": None}  # cleared: null


def test_initial_values_are_the_state_until_a_person_changes_them() -> None:
    red = Option(value="r", text="Red")
    view = every_kind(
        initial_value="Draft",
        initial_user="U0BOB0001",
        initial_date="2026-01-02",
        initial_time="13:45",
        initial_options=[red],
        initial_option=red,
    )
    form = ModalForm(view)
    values = form.state_values()
    assert values["text"]["t"]["value"] == "Draft"
    assert values["user"]["u"]["selected_user"] == "U0BOB0001"
    assert values["day"]["d"]["selected_date"] == "2026-01-02"
    assert values["at"]["h"]["selected_time"] == "13:45"
    assert values["ticks"]["c"]["selected_options"] == [option(form, "Red")]
    assert values["pick"]["s"]["selected_option"]["value"] == "r"
    assert values["radio"]["r"]["selected_option"]["value"] == "r"
    assert form.check("Ticks", "Green").state_values()["ticks"]["c"]["selected_options"] == [
        option(form, "Red"),
        option(form, "Green"),
    ]


def test_a_repeated_label_is_told_apart_by_its_place() -> None:
    view = stored(
        *[
            InputBlock(block_id=f"owner_{i}", label="Owner", element=UserSelectElement(action_id="value"))
            for i in (1, 2, 3)
        ]
    )
    form = ModalForm(view).choose_user("Owner", "U1").choose_user("Owner", "U3", nth=3)
    values = form.state_values(unchecked=True)
    assert [values[f"owner_{i}"]["value"]["selected_user"] for i in (1, 2, 3)] == ["U1", None, "U3"]
    with pytest.raises(NoSuchField, match="'Owner' appears 3 time"):
        form.choose_user("Owner", "U4", nth=4)


def test_a_field_the_view_lacks_fails_loudly_with_the_fields_it_has() -> None:
    form = ModalForm(every_kind())
    with pytest.raises(NoSuchField, match=r"no field labelled 'Notes'.*'Text' \(plain_text_input\).*'Radio'"):
        form.fill("Notes", "x")
    with pytest.raises(NoSuchField, match=r"'User' is a users_select, not a plain_text_input.*'Text'"):
        form.fill("User", "U0ALICE01")
    with pytest.raises(NoSuchField, match=r"'Text' is a plain_text_input, not a datepicker"):
        form.pick_date("Text", "2026-12-10")
    with pytest.raises(NoSuchField, match=r"'Ticks' has no option 'Purple'.*'Red', 'Green', 'Blue'"):
        form.check("Ticks", "Purple")
    with pytest.raises(NoSuchField, match="no option 'r'"):
        form.select("Pick", "r")  # by the text shown, not the value


def test_only_real_days_and_times_can_be_picked() -> None:
    form = ModalForm(every_kind())
    for day in ("2026-02-30", "12/10/2026", "2026-12-10T00:00", ""):
        with pytest.raises(ValueError):
            form.pick_date("Day", day)
    for at in ("9:30", "24:00", "12:60", "noon"):
        with pytest.raises(ValueError):
            form.pick_time("At", at)


def text_form(optional: bool, **limits: int) -> ModalForm:
    element = PlainTextInputElement(action_id="value", **limits)
    return ModalForm(stored(InputBlock(block_id="topic", label="Topic", optional=optional, element=element)))


def test_text_longer_than_max_length_or_shorter_than_min_length_cannot_be_sent() -> None:
    form = text_form(False, min_length=3, max_length=10).fill("Topic", "x" * 11)
    with pytest.raises(
        NotSubmittable, match=r"'Topic'.*11 characters, more than its max_length 10"
    ) as refused:
        form.state_values()
    assert (refused.value.label, refused.value.block_id) == ("Topic", "topic")
    assert form.fill("Topic", "x" * 10).state_values()["topic"]["value"]["value"] == "x" * 10
    with pytest.raises(NotSubmittable, match="2 characters, fewer than its min_length 3"):
        form.fill("Topic", "xy").state_values()
    assert form.fill("Topic", "xyz").refusals() == []


def test_a_required_input_left_blank_cannot_be_sent_and_an_optional_one_can() -> None:
    with pytest.raises(NotSubmittable, match=r"'Topic'.*required and left blank"):
        text_form(False).state_values()
    assert text_form(True, min_length=3).state_values() == {
        "topic": {"value": {"type": "plain_text_input", "value": None}}
    }
    required = ModalForm(every_kind(optional=False))
    assert [r.label for r in required.refusals()] == ["Text", "User", "Day", "At", "Ticks", "Pick", "Radio"]
    required.fill("Text", "a").choose_user("User", "U1").pick_date("Day", "2026-12-10")
    required.pick_time("At", "10:00").check("Ticks", "Red").select("Pick", "Red").choose("Radio", "Blue")
    assert required.refusals() == []
    required.uncheck("Ticks", "Red")
    assert [r.label for r in required.refusals()] == ["Ticks"]


def test_unchecked_sends_what_a_crafted_client_would_and_forge_marks_a_raw_value() -> None:
    form = text_form(True, max_length=5).fill("Topic", "too long for it")
    assert form.state_values(unchecked=True)["topic"]["value"]["value"] == "too long for it"
    form = ModalForm(every_kind()).forge("User", "<!channel>").forge("Ticks", [{"value": "999"}])
    with pytest.raises(NotSubmittable, match=r"'User'.*forged"):
        form.state_values()
    values = form.state_values(unchecked=True)
    assert values["user"]["u"] == {"type": "users_select", "selected_user": "<!channel>"}
    assert values["ticks"]["c"] == {"type": "checkboxes", "selected_options": [{"value": "999"}]}


def test_the_view_is_the_stored_one_and_a_forged_view_changes_only_what_it_says() -> None:
    view = stored(
        InputBlock(label="Unnamed", element=PlainTextInputElement()),  # Slack generates both ids
        callback_id="topic_modal",
        private_metadata="42",
    )
    form = ModalForm(view).fill("Unnamed", "x")
    sent = form.view
    assert (sent["id"], sent["hash"], sent["callback_id"], sent["private_metadata"]) == (
        "V0FORM001",
        "1700000000.abcd1234",
        "topic_modal",
        "42",
    )
    block = sent["blocks"][0]
    assert form.state_values() == {
        block["block_id"]: {block["element"]["action_id"]: {"type": "plain_text_input", "value": "x"}}
    }
    forged = form.forged(private_metadata="43")
    assert forged == {**sent, "private_metadata": "43"}
    assert form.view["private_metadata"] == "42"
    with pytest.raises(ValueError, match="with its id"):
        ModalForm({k: v for k, v in view.items() if k != "id"})


def test_stateful_elements_outside_input_blocks_are_in_the_state_too() -> None:
    # Slack's full state (changelog 2020-09) reports them; they have no label to fill them by.
    view = stored(
        SectionBlock(
            block_id="sec",
            text="Colour",
            accessory=StaticSelectElement(action_id="acc", options=COLOURS, initial_option=COLOURS[1]),
        ),
        ActionsBlock(block_id="acts", elements=[DatePickerElement(action_id="when")]),
        InputBlock(
            block_id="grouped",
            label="Grouped",
            element=StaticSelectElement(
                action_id="g",
                option_groups=[
                    OptionGroup(label="Warm", options=COLOURS[:1]),
                    OptionGroup(label="Cold", options=COLOURS[2:]),
                ],
            ),
        ),
    )
    form = ModalForm(view)
    assert form.labels == ["Grouped"]
    form.select("Grouped", "Blue")
    values = form.state_values()
    assert values["sec"]["acc"]["selected_option"]["value"] == "g"
    assert values["acts"]["when"] == {"type": "datepicker", "selected_date": None}
    assert values["grouped"]["g"]["selected_option"]["value"] == "b"


def test_a_form_is_built_from_the_view_the_emulator_stored() -> None:
    class Views:
        def __init__(self, views: dict[str, dict[str, Any]]) -> None:
            self.views = views

        def view(self, view_id: str) -> dict[str, Any] | None:
            return self.views.get(view_id)

    views = Views({"V0FORM001": every_kind(initial_value="Kept")})
    assert ModalForm.stored(views, "V0FORM001").state_values()["text"]["t"]["value"] == "Kept"
    with pytest.raises(LookupError, match="no view 'V0NONE'"):
        ModalForm.stored(views, "V0NONE")
