"""The onboarding conversation: the maîtrise d'ouvrage, the sheet's 4 key questions, then
one question per uncovered competence. Its state is stored, so it resumes after a restart.

A request reads the project once (:class:`Talk`) and writes in bulk, so answering a
question costs the same few statements whatever the project holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from services import (
    assignments,
    changes,
    competence_list,
    entities,
    gaps,
    local_providers,
    projects,
    proposal,
)
from services.answers import (
    Control,
    parse_competence_list,
    parse_control,
    parse_owner,
    parse_yes_no,
)
from services.text import match_key
from services.tokenize import FailureCode, ParseFailure
from services.turn import Reply, Turn
from storage.state import AnswerInfo, CompetenceInfo, EntityInfo, ProjectInfo, ProjectState
from storage.store import ConversationState, utcnow
from storage.vocab import Keep

BOT = "ent-bot"
ASK_PROJECT_NAME = "project_name"


class Step(StrEnum):
    """Where the conversation is; the values are what the database stores."""

    MOA = "moa"
    Q1 = "q1"
    Q2 = "q2"
    Q3 = "q3"
    PROPOSE = "propose"
    Q4 = "q4"
    WALK = "walk"
    DONE = "done"

    @property
    def question(self) -> int | None:
        return int(self.value[1]) if self.value.startswith("q") else None


ORDER = (Step.MOA, Step.Q1, Step.Q2, Step.Q3, Step.PROPOSE, Step.Q4, Step.WALK, Step.DONE)
SAME = frozenset({"idem", "pareil", "meme chose", "la meme chose", "same", "ditto", "same again"})
"""Answers that repeat the previous owner answer of the walk."""
DIRECT = {1: Step.Q1, 2: Step.Q2, 3: Step.Q3}
"""Key questions that ``/ent questions N <réponse>`` answers at once."""


@dataclass(slots=True)
class Talk:
    """One request in the conversation: the project as read once at its start, kept up to
    date in memory as the request writes."""

    turn: Turn
    project: ProjectInfo
    snapshot: ProjectState
    direct: int | None = None
    """The key question answered by ``/ent questions N <réponse>``, outside the walk."""

    @classmethod
    def open(cls, turn: Turn, project: ProjectInfo, direct: int | None = None) -> Talk:
        return cls(turn, project, turn.store.load_state(project), direct)

    def then(self, text: str) -> dict[str, Any]:
        """What to replay once the entities this answer names are confirmed."""
        if self.direct is not None:
            return {"op": "question", "number": self.direct, "text": text}
        return {"op": "answer", "text": text}

    def competence(self, competence_id: int) -> CompetenceInfo | None:
        return next((c for c in self.snapshot.competences if c.id == competence_id), None)


def ask_project_name(turn: Turn) -> list[Reply]:
    """No project in this channel yet: ask its name; the caller's next message gives it."""
    caller = turn.caller
    turn.store.set_pending(caller.workspace_id, caller.user_id, None, ASK_PROJECT_NAME, {})
    return [turn.say("welcome")]


def step_of(state: ConversationState) -> Step:
    return Step(state.step)


def start(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    """``/ent questions [1-4] [réponse]``: start, resume, go back to one question, or
    answer it at once."""
    current = turn.store.conversation(project.id)
    number, _, answer_text = rest.strip().partition(" ")
    if number:
        if number not in ("1", "2", "3", "4"):
            return [turn.error("error", code="bad_question", fragment=number, usage="questions")]
        step = Step("q" + number)
        if answer_text.strip():
            return _direct(turn, project, current, step, answer_text.strip())
    elif current is not None and step_of(current) is not Step.DONE:
        talk = Talk.open(turn, project)
        if not current.active:
            current = replace(current, active=True)
            _save(talk, current)
        return [turn.say("resume"), *_ask(talk, current)]
    else:
        step = Step.MOA if not project.moa else Step.Q1
    state = ConversationState(
        project_id=project.id,
        step=step.value,
        position=0,
        active=True,
        data={},
        channel_id=turn.caller.channel_id,
        thread_ts=current.thread_ts if current else None,
    )
    return _enter(Talk.open(turn, project), state)


def _direct(
    turn: Turn,
    project: ProjectInfo,
    current: ConversationState | None,
    step: Step,
    text: str,
) -> list[Reply]:
    """``/ent questions 2 1-5, 18``: the answer is recorded; the conversation stays where
    it was."""
    if step.question not in DIRECT:
        return [turn.error("error", code="bad_question", fragment=step.value[1:],
                           usage="questions")]
    talk = Talk.open(turn, project, step.question)
    state = ConversationState(project.id, step.value, 0, False, {}, turn.caller.channel_id, None)
    outcome = _HANDLERS[step](talk, state, text)
    return outcome if isinstance(outcome, list) else outcome.replies


def active(turn: Turn, project: ProjectInfo) -> ConversationState | None:
    current = turn.store.conversation(project.id)
    if current is None or not current.active or step_of(current) is Step.DONE:
        return None
    return current


def resume(turn: Turn, project: ProjectInfo) -> list[Reply]:
    """Ask the current question again (after a cancelled confirmation, for instance)."""
    current = active(turn, project)
    return [] if current is None else _ask(Talk.open(turn, project), current)


def answer(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    """A free-text message in the conversation."""
    current = active(turn, project)
    if current is None:
        return [turn.reply("no_conversation")]
    meanwhile = _answered_meanwhile(turn, current, text)
    if meanwhile is not None:
        return [meanwhile]
    talk = Talk.open(turn, project)
    control = parse_control(text)
    if control is Control.STOP:
        _save(talk, replace(current, active=False))
        return [turn.say("paused")]
    if control is Control.SKIP:
        return _advance(talk, current)
    if control is Control.BACK:
        return _back(talk, current)
    outcome = _HANDLERS[step_of(current)](talk, current, text)
    if isinstance(outcome, list):
        return outcome
    return [*outcome.replies, *_advance(talk, outcome.state or current)]


@dataclass(frozen=True, slots=True)
class Answered:
    """A handler took the answer: what it says, and the state to move on from."""

    replies: list[Reply]
    state: ConversationState | None = None


Outcome = list[Reply] | Answered
"""A handler's result: replies that keep the question open (an error, a confirmation),
or an answer taken."""


def _answered_meanwhile(turn: Turn, state: ConversationState, text: str) -> Reply | None:
    """Two people answered the same question at once: the later one is told, not applied
    to the next question."""
    sent = turn.caller.sent_at
    asked = state.data.get("asked_at")
    if sent is None or not asked or sent >= datetime.fromisoformat(asked):
        return None
    return turn.say("already_answered", by=state.data.get("asked_by"), text=text.strip())


def _asked(turn: Turn, state: ConversationState) -> ConversationState:
    """The state as its question is asked now, by ``turn``'s author moving on."""
    return replace(
        state, data={**state.data, "asked_at": utcnow().isoformat(), "asked_by": turn.actor}
    )


def _save(talk: Talk, state: ConversationState) -> None:
    talk.turn.store.save_conversation(talk.project, state, talk.turn.actor)


def _enter(talk: Talk, state: ConversationState) -> list[Reply]:
    """Move to ``state`` and ask its question; steps with nothing to ask move on."""
    replies: list[Reply] = []
    step = step_of(state)
    if step is Step.PROPOSE:
        lines = proposal.propose(talk.snapshot, _named(talk))
        if not lines:
            return _advance(talk, state)
        state = replace(state, data={**state.data, "proposal": [x.stored() for x in lines]})
    if step is Step.Q4:
        state, coverage = _coverage_step(talk, state)
        replies.append(coverage)
    elif step is Step.WALK:
        state = _next_uncovered(talk, state)
    state = _asked(talk.turn, state)
    _save(talk, state)
    step = step_of(state)
    if step is Step.DONE:
        replies.append(_summary(talk))
    elif step is not Step.Q4:
        replies.extend(_ask(talk, state))
    return replies


def _ask(talk: Talk, state: ConversationState) -> list[Reply]:
    turn = talk.turn
    step = step_of(state)
    if step is Step.Q4:
        return [_coverage_step(talk, state)[1]]
    if step is Step.PROPOSE:
        return [turn.say("propose", lines=_lines(state), competences=talk.snapshot.competences)]
    if step is Step.WALK:
        walk = state.data.get("walk", [])
        competence = _walk_competence(talk, state)
        return [
            turn.say(
                "ask_owner",
                competence=competence,
                index=state.position + 1,
                total=len(walk),
                proposed=_proposed_owner(talk, competence),
                same=state.data.get("last_answer"),
            )
        ]
    number = step.question
    current = talk.snapshot.answers.get(number) if number else None
    return [
        turn.say("ask", step=step.value, number=number, current=current, project=talk.project)
    ]


def _walk_competence(talk: Talk, state: ConversationState) -> CompetenceInfo | None:
    walk: list[int] = state.data.get("walk", [])
    if state.position >= len(walk):
        return None
    return talk.competence(walk[state.position])


def _advance(talk: Talk, state: ConversationState) -> list[Reply]:
    step = step_of(state)
    if step is Step.WALK:
        return _enter(talk, replace(state, position=state.position + 1))
    if step is Step.Q4:
        return _enter(talk, replace(state, step=Step.DONE.value))
    following = ORDER[ORDER.index(step) + 1]
    return _enter(talk, replace(state, step=following.value, position=0))


def _back(talk: Talk, state: ConversationState) -> list[Reply]:
    step = step_of(state)
    if step is Step.WALK and state.position > 0:
        back = _asked(talk.turn, replace(state, position=state.position - 1))
        _save(talk, back)  # going back re-asks that competence even if now covered
        return _ask(talk, back)
    previous = ORDER[max(ORDER.index(step) - 1, 0)]
    if previous is Step.Q4:
        previous = Step.PROPOSE
    return _enter(talk, replace(state, step=previous.value, position=0))


def _next_uncovered(talk: Talk, state: ConversationState) -> ConversationState:
    walk: list[int] = state.data.get("walk", [])
    assigned = {
        cid for cid, a in talk.snapshot.assignments.items() if a.entity_id is not None
    }
    position = state.position
    while position < len(walk) and walk[position] in assigned:
        position += 1
    if position >= len(walk):
        return replace(state, step=Step.DONE.value, position=0)
    return replace(state, position=position)


def _coverage_step(talk: Talk, state: ConversationState) -> tuple[ConversationState, Reply]:
    """Key question 4 is answered by the bot itself, from the coverage."""
    snapshot = talk.snapshot
    overall, families = gaps.coverage(snapshot)
    missing = gaps.uncovered(snapshot)
    text = f"{overall.covered}/{overall.total}"
    previous = snapshot.answers.get(gaps.COVERAGE_QUESTION)
    if previous is None or previous.text != text:
        _record(
            talk, gaps.COVERAGE_QUESTION, text,
            {"covered": overall.covered, "total": overall.total}, actor=BOT,
        )
    said = talk.turn.say("coverage", overall=overall, families=families, missing=missing)
    if not missing:
        return replace(state, step=Step.DONE.value), said
    data = {**state.data, "walk": [c.id for c in missing]}
    return replace(state, step=Step.Q4.value, data=data), said


def _summary(talk: Talk) -> Reply:
    overall, _families = gaps.coverage(talk.snapshot)
    return talk.turn.say(
        "conversation_done", overall=overall, gap_count=len(gaps.analyse(talk.snapshot))
    )


def _record(
    talk: Talk, question: int, text: str, data: dict[str, Any], actor: str | None = None
) -> None:
    """Save a key answer, and keep the request's snapshot in step."""
    previous = talk.snapshot.answers.get(question)
    changes.save_answer(talk.turn, talk.project, question, text, data, previous, actor)
    talk.snapshot.answers[question] = _answer(question, text, data, actor or talk.turn.actor)


def _answer(question: int, text: str, data: dict[str, Any], actor: str) -> AnswerInfo:
    return AnswerInfo(question, text, data, actor, utcnow())


def _failure(turn: Turn, failure: ParseFailure, usage: str) -> list[Reply]:
    return [
        turn.error(
            "error",
            code=failure.code.value,
            fragment=failure.fragment,
            candidates=failure.candidates,
            usage=usage,
        )
    ]


def _moa(talk: Talk, state: ConversationState, text: str) -> Outcome:
    result = projects.set_moa(talk.turn, talk.project, text, "answer_moa")
    if isinstance(result, Reply):
        return [result]
    talk.project = result
    return Answered([talk.turn.say("noted", step="moa", value=result.moa)])


def _known(talk: Talk) -> tuple[EntityInfo, ...]:
    return talk.snapshot.entities


def _q1(talk: Talk, state: ConversationState, text: str) -> Outcome:
    found = entities.find_or_confirm(
        talk.turn, talk.project, [text.strip()], talk.then(text), "answer_q1",
        _known(talk),
    )
    if isinstance(found, Reply):
        return [found]
    pilot = found[0]
    _record(talk, 1, pilot.name, {"entity_id": pilot.id})
    return Answered([talk.turn.say("noted", step="q1", value=pilot.name)])


def _q2(talk: Talk, state: ConversationState, text: str) -> Outcome:
    competences = talk.snapshot.competences
    chosen = competence_list.parse_list(text, competences)
    if isinstance(chosen, ParseFailure):
        chosen = parse_competence_list(text, competences)
    if isinstance(chosen, ParseFailure):
        return _failure(talk.turn, chosen, "answer_q2")
    chosen_ids = {c.id for c in chosen}
    current = talk.snapshot.assignments
    others = [
        c
        for c in competences
        if c.id not in chosen_ids
        and (current.get(c.id) is None or current[c.id].keep == Keep.A_DECIDER.value)
    ]
    wanted = [(c, {"keep": Keep.OUI.value}) for c in chosen]
    wanted += [(c, {"keep": Keep.NON.value}) for c in others]
    assignments.update_many(talk.turn, talk.project, current, wanted, talk.snapshot.entities)
    summary = ", ".join(str(c.number) for c in chosen)
    _record(talk, 2, summary, {"competence_ids": [c.id for c in chosen]})
    return Answered([talk.turn.say("noted_keep", kept=chosen, others=others)])


def _q3(talk: Talk, state: ConversationState, text: str) -> Outcome:
    """Which entities provide the local competences: for all of them, or per competence
    (``9 : DANE ; 10-11 : Canopé``)."""
    competences = talk.snapshot.competences
    local = local_providers.read_local(talk.turn.store.connection, talk.project.id, competences)
    said = local_providers.parse(text, local, competences)
    if isinstance(said, local_providers.NotLocal):
        return [talk.turn.error("schools_error", code="not_local", fragment=said.fragment,
                                detail=list(said.local), usage="local")]
    if isinstance(said, ParseFailure):
        if said.code is FailureCode.EMPTY and ":" not in text:
            return [talk.turn.error("error", code="empty_name", fragment=text, usage="answer_q3")]
        return _failure(talk.turn, said, "answer_q3")
    found = entities.find_or_confirm(
        talk.turn, talk.project, list(said.names), talk.then(text), "answer_q3",
        _known(talk),
    )
    if isinstance(found, Reply):
        return [found]
    by_name = dict(zip(said.names, found, strict=True))
    value = local_providers.describe(said, local, by_name)
    _record(talk, 3, value, {
        "entity_ids": list(dict.fromkeys(e.id for e in found)),
        "local": local_providers.stored(said, by_name),
    })
    return Answered([talk.turn.say("noted", step="q3", value=value)])


def _q4(talk: Talk, state: ConversationState, text: str) -> Outcome:
    decision = parse_yes_no(text)
    if decision is None:
        return [talk.turn.error("error", code="yes_no", fragment=text, usage="answer_yes_no")]
    if not decision:
        return _enter(talk, replace(state, step=Step.DONE.value))
    return _enter(talk, replace(state, step=Step.WALK.value, position=0))


def _named(talk: Talk) -> list[EntityInfo]:
    """The entities key question 3 named, and the steering one."""
    wanted: list[int] = []
    for question, key in ((3, "entity_ids"), (1, "entity_id")):
        answer = talk.snapshot.answers.get(question)
        value = answer.data.get(key) if answer else None
        wanted += value if isinstance(value, list) else [value] if isinstance(value, int) else []
    return [e for e in talk.snapshot.entities if e.id in wanted]


def _lines(state: ConversationState) -> list[proposal.Line]:
    return [proposal.Line.load(x) for x in state.data.get("proposal", [])]


def _apply_lines(talk: Talk, lines: list[proposal.Line], text: str) -> list[Reply]:
    """Give each line's competences to its entity; the replies, or what stops it (a
    confirmation for new entities, an error)."""
    names = list(dict.fromkeys(line.entity for line in lines))
    found = entities.find_or_confirm(
        talk.turn, talk.project, names, talk.then(text), "answer_owner", _known(talk)
    )
    if isinstance(found, Reply):
        return [found]
    by_name = dict(zip(names, found, strict=True))
    numbers = {c.number: c for c in talk.snapshot.competences}
    replies = []
    for line in lines:
        owner = assignments.Owner(by_name[line.entity], line.sourcing, line.contacts, line.keep,
                                  line.provider, line.service_level)
        chosen = [numbers[n] for n in line.numbers if n in numbers]
        replies.append(assignments.assign_many(
            talk.turn, talk.project, chosen, owner, talk.snapshot.entities,
            talk.snapshot.assignments,
        ))
    errors = [reply for reply in replies if reply.error]
    return errors or replies


def _stopped(replies: list[Reply]) -> bool:
    return any(r.error or r.template == "confirm_create" for r in replies)


def _propose(talk: Talk, state: ConversationState, text: str) -> Outcome:
    """``oui`` applies the proposal; ``non`` goes on to the coverage question; lines
    (``1-5 : DSI interne @yann``) correct it, and it is shown again."""
    decision = parse_yes_no(text)
    if decision is False:
        return Answered([])
    lines = _lines(state)
    if decision is True:
        done = _apply_lines(talk, lines, text)
        if _stopped(done):
            return done
        return Answered(done)
    corrections = proposal.parse_lines(text, talk.snapshot.competences)
    if isinstance(corrections, ParseFailure):
        return _failure(talk.turn, corrections, "answer_proposal")
    state = replace(state, data={
        **state.data, "proposal": [x.stored() for x in proposal.merge(lines, corrections)]
    })
    _save(talk, state)
    return _ask(talk, state)


def _uncovered_only(
    talk: Talk, state: ConversationState, lines: list[proposal.Line]
) -> list[proposal.Line]:
    """In the walk, a family line gives only the competences still to assign."""
    walk = set(state.data.get("walk", []))
    covered = {
        c.number
        for c in talk.snapshot.competences
        if c.id not in walk
        or ((a := talk.snapshot.assignments.get(c.id)) is not None and a.entity_id is not None)
    }
    kept = [replace(line, numbers=tuple(n for n in line.numbers if n not in covered))
            for line in lines]
    return [line for line in kept if line.numbers]


def _proposed_owner(talk: Talk, competence: CompetenceInfo | None) -> str | None:
    """The default owner the walk offers: the maîtrise d'ouvrage for competence 19, the
    steering entity for project steering."""
    if competence is None:
        return None
    if competence.code == proposal.MOA_CODE and talk.project.moa:
        return talk.project.moa
    if "pilotage" in competence.families:
        answer = talk.snapshot.answers.get(1)
        return answer.text if answer else None
    return None


def _walk(talk: Talk, state: ConversationState, text: str) -> Outcome:
    competence = _walk_competence(talk, state)
    if competence is None:
        return Answered([])
    remembered = replace(state, data={**state.data, "last_answer": text})
    if match_key(text) in SAME and state.data.get("last_answer"):
        text = str(state.data["last_answer"])
        remembered = state
    proposed = _proposed_owner(talk, competence)
    if parse_yes_no(text) is True and proposed:
        text = f'"{proposed}"'
    if ":" in text:
        lines = proposal.parse_lines(text, talk.snapshot.competences)
        if not isinstance(lines, ParseFailure):
            lines = _uncovered_only(talk, state, lines)
            applied = _apply_lines(talk, lines, text)
            if _stopped(applied):
                return applied
            return Answered(applied, remembered)
    owner = parse_owner(text)
    if isinstance(owner, ParseFailure):
        return _failure(talk.turn, owner, "answer_owner")
    found = entities.find_or_confirm(
        talk.turn, talk.project, [owner.entity_name], talk.then(text),
        "answer_owner", _known(talk),
    )
    if isinstance(found, Reply):
        return [found]
    done = assignments.assign_many(
        talk.turn,
        talk.project,
        [competence],
        assignments.Owner(
            found[0],
            owner.sourcing.value if owner.sourcing else None,
            owner.contacts,
            owner.keep.value if owner.keep else None,
            owner.provider,
            owner.service_level,
        ),
        talk.snapshot.entities,
        talk.snapshot.assignments,
    )
    if done.error:
        return [done]
    return Answered([done], remembered)


_HANDLERS: dict[Step, Callable[[Talk, ConversationState, str], Outcome]] = {
    Step.MOA: _moa,
    Step.Q1: _q1,
    Step.Q2: _q2,
    Step.Q3: _q3,
    Step.PROPOSE: _propose,
    Step.Q4: _q4,
    Step.WALK: _walk,
}
