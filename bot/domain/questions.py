"""The question bank: one open-ended question per pre-meeting prompt, never repeated to a pair within a round.

Keys are stored with each pair's history and with the questions a pair found not useful, so a key is never
changed or reused: to drop a question from the bank, delete it (old keys in a history are then ignored); to
add one, give it a new key. Every theme holds the same number of questions, so none dominates a round.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.domain.pulse import SCALE, rising_streak


class Theme(StrEnum):
    MOTIVATION = "motivation"  # motivation and values
    GROWTH = "growth"  # growth and learning
    FEEDBACK = "feedback"  # both ways: the manager asks for it too
    WELLBEING = "wellbeing"  # wellbeing and workload
    STRATEGY = "strategy"  # strategy and alignment
    CAREER = "career"
    COACHING = "coaching"  # the GROW steps


class GrowStep(StrEnum):
    GOAL = "goal"
    REALITY = "reality"
    OPTIONS = "options"
    WILL = "will"


@dataclass(frozen=True)
class Question:
    key: str
    theme: Theme
    text: str
    grow_step: GrowStep | None = None


def _theme(theme: Theme, *pairs: tuple[str, str]) -> list[Question]:
    return [Question(key, theme, text) for key, text in pairs]


def _grow(step: GrowStep, *pairs: tuple[str, str]) -> list[Question]:
    return [Question(key, Theme.COACHING, text, step) for key, text in pairs]


BANK: tuple[Question, ...] = (
    *_theme(
        Theme.MOTIVATION,
        ("mot-proud", "What achievement from the last few weeks are you proud of?"),
        ("mot-energy", "Which part of your work gives you the most energy at the moment?"),
        ("mot-drain", "Which part of your work drains you, and why do you think that is?"),
        ("mot-good-day", "Think of a really good day at work recently. What made it good?"),
        ("mot-what-matters", "What matters most to you about the work you do here?"),
        ("mot-values-clash", "Has anything lately felt at odds with what you care about? What happened?"),
        ("mot-recognition", "How do you like your work to be recognised, and is that happening?"),
        ("mot-more-of", "If you could spend more of your week on one kind of work, what would it be?"),
        ("mot-hard-days", "What keeps you going on the hard days?"),
        ("mot-belonging", "When do you feel most part of the team, and when least?"),
        ("mot-why-here", "What first drew you to this work, and does it still draw you?"),
        ("mot-best-work", "What conditions help you do your best work?"),
    ),
    *_theme(
        Theme.GROWTH,
        ("grw-learn-next", "What would you like to learn next?"),
        ("grw-failure-lesson", "What did you learn from something that didn't go to plan?"),
        ("grw-stretch", "What could you take on that would stretch you a little?"),
        (
            "grw-skill-gap",
            "Which skill would make the biggest difference to your work if you were stronger at it?",
        ),
        (
            "grw-recent-learning",
            "What is the most useful thing you've learned recently, at work or outside it?",
        ),
        ("grw-learn-from", "Who would you like to learn from, and what would you ask them?"),
        ("grw-time-to-learn", "Do you get enough time to learn? What gets in the way?"),
        ("grw-teach", "What do you know well that you could teach others?"),
        ("grw-out-of-depth", "When did you last feel out of your depth, and how did you handle it?"),
        ("grw-experiment", "What would you try if you knew it was fine for it not to work?"),
        ("grw-improved-most", "Which skill have you improved most in the past few months, and how?"),
        ("grw-new-habit", "What is one habit you'd like to build that would help you grow?"),
    ),
    *_theme(
        Theme.FEEDBACK,
        ("fb-support-better", "What could I do differently to support you better?"),
        ("fb-start-stop", "What is one thing I should start doing, and one thing I should stop?"),
        ("fb-useful-feedback", "What feedback have you had recently that was useful? What made it useful?"),
        ("fb-want-more", "Is there an area where you'd like more feedback than you're getting?"),
        (
            "fb-how-you-like-it",
            "How do you prefer to get feedback: in the moment, in writing, or in our 1:1s?",
        ),
        ("fb-hard-about-me", "Is there something about the way I work that makes your job harder?"),
        ("fb-better-1on1s", "How could our 1:1s be more useful for you?"),
        ("fb-credit-due", "Whose work deserves credit lately that they may not have had?"),
        ("fb-unsaid", "Is there something you've wanted to tell me but haven't found the right moment for?"),
        (
            "fb-self-view",
            "How do you think your work has gone lately, and does that match what you hear from others?",
        ),
        ("fb-keep-doing", "What is one thing I do that helps you and that I should keep doing?"),
        (
            "fb-my-feedback",
            "Was any feedback I gave you lately unclear or unfair? How could I have put it better?",
        ),
    ),
    *_theme(
        Theme.WELLBEING,
        ("wb-not-working", "What is not working for you right now?"),
        ("wb-workload", "How manageable does your workload feel at the moment?"),
        ("wb-stress", "What is causing you the most stress these days?"),
        ("wb-balance", "How are you finding the balance between work and the rest of your life?"),
        ("wb-blockers", "What is slowing you down that I might be able to remove?"),
        ("wb-focus-time", "Do you get enough uninterrupted time to focus? What breaks it up?"),
        (
            "wb-drop-something",
            "Is there anything on your plate we could drop, delay or hand to someone else?",
        ),
        ("wb-energy-trend", "How is your energy these days, compared with a couple of months ago?"),
        ("wb-easier-week", "What would make next week easier for you?"),
        (
            "wb-outside-work",
            "Is anything outside work weighing on you that you'd be comfortable telling me about?",
        ),
        ("wb-recharge", "What helps you recharge, and are you getting enough of it?"),
        ("wb-ask-for-help", "Is there anything you'd like help with but haven't felt able to ask for?"),
    ),
    *_theme(
        Theme.STRATEGY,
        ("str-unclear-priority", "Which of your current priorities feels least clear to you?"),
        ("str-connection", "How does your work connect to what the team is trying to achieve this quarter?"),
        ("str-if-you-ran-it", "If you were running the team, what would you change first?"),
        ("str-not-worth-it", "What are we spending time on that doesn't seem worth it?"),
        ("str-customer-surprise", "What have you heard from customers or users lately that surprised you?"),
        ("str-unspoken-risk", "What risk do you see coming that we aren't talking about enough?"),
        ("str-decision-doubt", "Is there a recent decision you didn't understand or didn't agree with?"),
        ("str-other-teams", "Which other team do you wish we worked with more closely, and why?"),
        ("str-missed-chance", "What opportunity do you think we're missing?"),
        ("str-missing-info", "What information would help you do your job that you aren't getting?"),
        ("str-year-from-now", "What would success for our team look like a year from now, in your eyes?"),
        (
            "str-how-we-decide",
            "How well do you understand how decisions get made here? What would make it clearer?",
        ),
    ),
    *_theme(
        Theme.CAREER,
        ("car-direction", "Where would you like your career to be in two or three years?"),
        ("car-admired-role", "Whose role do you find interesting, and what about it appeals to you?"),
        ("car-next-step", "What would a good next step look like for you here?"),
        ("car-known-for", "Which strengths do you want to be known for?"),
        (
            "car-visibility",
            "Is there work of yours you'd like more people to know about? How could we show it?",
        ),
        ("car-right-projects", "What kind of project would move you toward where you want to go?"),
        (
            "car-progress",
            "Do you feel you're making progress toward your career goals? What makes you say so?",
        ),
        ("car-missing-experience", "What skills or experience are you missing for the role you'd like next?"),
        ("car-paths", "Are you drawn to leading people, going deeper as a specialist, or something else?"),
        ("car-ideal-job", "If you could design your ideal job, what would you spend your days doing?"),
        ("car-mentor", "Who could mentor or sponsor you, and how could I help you connect with them?"),
        ("car-look-back", "Looking back at your career so far, which move taught you the most?"),
    ),
    *_grow(
        GrowStep.GOAL,
        ("grow-goal-by-next-time", "What would you like to have achieved by our next 1:1?"),
        ("grow-goal-good-outcome", "Pick one challenge you're facing: what would a good outcome look like?"),
        ("grow-goal-one-thing", "If we solved one thing together this month, what should it be?"),
    ),
    *_grow(
        GrowStep.REALITY,
        ("grow-reality-now", "Where do things stand today on the goal that matters most to you?"),
        (
            "grow-reality-tried",
            "On something you're stuck on: what have you already tried, and what happened?",
        ),
        (
            "grow-reality-in-the-way",
            "What is really getting in the way of your most important goal right now?",
        ),
    ),
    *_grow(
        GrowStep.OPTIONS,
        ("grow-options-three-ways", "What are three different ways you could tackle what's on your mind?"),
        ("grow-options-advice", "What would you suggest to a colleague in your position?"),
        (
            "grow-options-no-limits",
            "If time and budget were no object, how would you approach your biggest challenge?",
        ),
    ),
    *_grow(
        GrowStep.WILL,
        ("grow-will-first-step", "What is the first small step you'll take on your main goal, and when?"),
        (
            "grow-will-commitment",
            "How committed are you, from 1 to 10, to your next step? What would make it a 10?",
        ),
        ("grow-will-support", "What support do you need from me or others to follow through?"),
    ),
)

_BY_KEY: dict[str, Question] = {question.key: question for question in BANK}
if len(_BY_KEY) != len(BANK):  # a duplicate key would corrupt every pair's history
    raise RuntimeError("question keys must be unique")

STRESS_RISING = 2  # meetings in a row the report's stress went up (three checks) before wellbeing leads
STRESS_HIGH = max(SCALE) - 1  # 4 or 5: "quite" or "very" stressed
# Only pulse checks made this recently count: an old worry, from before the report stopped tapping, would
# otherwise put wellbeing first for good. A quarter still holds three checks of a monthly 1:1.
PULSE_RECENT = timedelta(days=92)


def question_by_key(key: str) -> Question | None:
    return _BY_KEY.get(key)


def theme_for_pulse(stress: Sequence[int | None]) -> Theme | None:
    """The theme the next question should come from, given the report's stress in their recent pulse
    checks (oldest first, None where they left it out): wellbeing when it keeps rising or is high now."""
    if not stress:
        return None
    latest = stress[-1]
    if rising_streak(stress) >= STRESS_RISING or (latest is not None and latest >= STRESS_HIGH):
        return Theme.WELLBEING
    return None


def pick_question(
    history: Sequence[str],
    *,
    seed: int,
    prefer: Theme | None = None,
    retired: frozenset[str] = frozenset(),
) -> Question | None:
    """A question this pair has not seen in the current round; deterministic for its arguments.

    `history` is every key already shown to the pair, oldest first; `seed` is the pair's id. A round
    ends once every question has been shown, and the next one starts afresh. Themes take turns so
    that consecutive questions differ in theme whenever an unseen question allows it; `prefer` (the
    pulse's wish) goes first while it has an unseen question. `retired` keys (the pair found them not
    useful) are never picked and count as seen, so a round still ends. None once all are retired.
    """
    out = frozenset(key for key in retired if key in _BY_KEY)
    round_number, seen = _current_round(history, out)
    unseen = [question for question in BANK if question.key not in seen and question.key not in out]
    if not unseen:  # every question is retired for this pair
        return None
    last = question_by_key(history[-1]) if history else None
    if prefer is not None and any(question.theme is prefer for question in unseen):
        theme = prefer
    else:
        theme = _next_theme(unseen, avoid=last.theme if last else None, seed=seed, round_number=round_number)
    choices = [question for question in unseen if question.theme is theme]
    # A string seed is hashed with SHA-512, so the choice is the same in every process.
    return random.Random(f"{seed}:{round_number}:{len(seen)}").choice(choices)


def _current_round(history: Sequence[str], out: frozenset[str]) -> tuple[int, set[str]]:
    """How many rounds are complete, and the keys seen since the last one ended.

    Counting distinct known keys, rather than slicing by len(BANK), keeps rounds right when the
    bank grows or a question is dropped; the pair's retired keys (`out`) count as seen in every round.
    """
    rounds = 0
    seen: set[str] = set()
    for key in history:
        if key in _BY_KEY and key not in out:
            seen.add(key)
        if len(seen) + len(out) == len(BANK):
            rounds, seen = rounds + 1, set()
    return rounds, seen


def _next_theme(unseen: Sequence[Question], *, avoid: Theme | None, seed: int, round_number: int) -> Theme:
    """The theme with the most unseen questions, other than `avoid` when possible.

    Favouring the fullest theme spreads each theme over the whole round, so the end of a round is
    not a run of one theme; ties follow an order shuffled per pair and round, which makes the
    themes take turns.
    """
    order = list(Theme)
    random.Random(f"{seed}:{round_number}:themes").shuffle(order)
    remaining = Counter(question.theme for question in unseen)  # one pass, not one per theme
    candidates = [theme for theme in order if remaining[theme] and theme is not avoid]
    if not candidates:  # only the theme just shown has questions left
        candidates = [theme for theme in order if remaining[theme]]
    return max(candidates, key=lambda theme: (remaining[theme], -order.index(theme)))
