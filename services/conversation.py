"""The onboarding conversation: the maîtrise d'ouvrage, the sheet's 4 key questions, then
one question per uncovered competence. Its state is stored, so it resumes after a restart."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from services import assignments, entities, gaps, projects
from services.answers import (
    Control,
    parse_competence_list,
    parse_control,
    parse_entity_list,
    parse_owner,
    parse_yes_no,
)
from services.tokenize import ParseFailure
from services.turn import Reply, Turn
from storage.state import CompetenceInfo, ProjectInfo
from storage.store import ConversationState, utcnow
from storage.vocab import Keep

STEPS = ("moa", "q1", "q2", "q3", "q4", "walk", "done")
BOT = "ent-bot"
ASK_PROJECT_NAME = "project_name"


def ask_project_name(turn: Turn) -> list[Reply]:
    """No project in this channel yet: ask its name; the caller's next message gives it."""
    caller = turn.caller
    turn.store.set_pending(caller.workspace_id, caller.user_id, None, ASK_PROJECT_NAME, {})
    return [turn.say("welcome")]


def _question_number(step: str) -> int | None:
    return int(step[1]) if step.startswith("q") else None


def start(turn: Turn, project: ProjectInfo, rest: str) -> list[Reply]:
    """``/ent questions [1-4]``: start, resume, or go back to one question."""
    current = turn.store.conversation(project.id)
    rest = rest.strip()
    if rest:
        if rest not in ("1", "2", "3", "4"):
            return [turn.error("error", code="bad_question", fragment=rest, usage="questions")]
        step = "q" + rest
    elif current is not None and current.step != "done":
        if not current.active:
            current = replace(current, active=True)
            _save(turn, project, current)
        return [turn.say("resume"), *_ask(turn, project, current)]
    else:
        step = "moa" if not project.moa else "q1"
    state = ConversationState(
        project_id=project.id,
        step=step,
        position=0,
        active=True,
        data={},
        channel_id=turn.caller.channel_id,
        thread_ts=current.thread_ts if current else None,
    )
    return _enter(turn, project, state)


def active(turn: Turn, project: ProjectInfo) -> ConversationState | None:
    current = turn.store.conversation(project.id)
    if current is None or not current.active or current.step == "done":
        return None
    return current


def resume(turn: Turn, project: ProjectInfo) -> list[Reply]:
    """Ask the current question again (after a cancelled confirmation, for instance)."""
    current = active(turn, project)
    return [] if current is None else _ask(turn, project, current)


def answer(turn: Turn, project: ProjectInfo, text: str) -> list[Reply]:
    """A free-text message in the conversation."""
    current = active(turn, project)
    if current is None:
        return [turn.reply("no_conversation")]
    meanwhile = _answered_meanwhile(turn, current, text)
    if meanwhile is not None:
        return [meanwhile]
    control = parse_control(text)
    if control is Control.STOP:
        _save(turn, project, replace(current, active=False))
        return [turn.say("paused")]
    if control is Control.SKIP:
        return _advance(turn, project, current)
    if control is Control.BACK:
        return _back(turn, project, current)
    handler = _HANDLERS[current.step]
    return handler(turn, project, current, text)


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


def _save(turn: Turn, project: ProjectInfo, state: ConversationState) -> None:
    turn.store.save_conversation(project, state, turn.actor)


def _enter(turn: Turn, project: ProjectInfo, state: ConversationState) -> list[Reply]:
    """Move to ``state`` and ask its question; steps with nothing to ask move on."""
    replies: list[Reply] = []
    if state.step == "q4":
        state, coverage = _coverage_step(turn, project, state)
        replies.append(coverage)
    elif state.step == "walk":
        state = _next_uncovered(turn, project, state)
    state = _asked(turn, state)
    turn.store.save_conversation(project, state, turn.actor)
    if state.step == "done":
        replies.append(_summary(turn, project))
    elif state.step != "q4":
        replies.extend(_ask(turn, project, state))
    return replies


def _ask(turn: Turn, project: ProjectInfo, state: ConversationState) -> list[Reply]:
    if state.step == "q4":
        return [_coverage_step(turn, project, state)[1]]
    if state.step == "walk":
        walk = state.data.get("walk", [])
        return [
            turn.say(
                "ask_owner",
                competence=_walk_competence(turn, project, state),
                index=state.position + 1,
                total=len(walk),
            )
        ]
    number = _question_number(state.step)
    current = turn.store.load_state(project).answers.get(number) if number else None
    return [turn.say("ask", step=state.step, number=number, current=current, project=project)]


def _walk_competence(
    turn: Turn, project: ProjectInfo, state: ConversationState
) -> CompetenceInfo | None:
    walk: list[int] = state.data.get("walk", [])
    if state.position >= len(walk):
        return None
    wanted = walk[state.position]
    return next((c for c in turn.store.competences(project.id) if c.id == wanted), None)


def _advance(turn: Turn, project: ProjectInfo, state: ConversationState) -> list[Reply]:
    if state.step == "walk":
        return _enter(turn, project, replace(state, position=state.position + 1))
    if state.step == "q4":
        return _enter(turn, project, replace(state, step="done"))
    following = STEPS[STEPS.index(state.step) + 1]
    return _enter(turn, project, replace(state, step=following, position=0))


def _back(turn: Turn, project: ProjectInfo, state: ConversationState) -> list[Reply]:
    if state.step == "walk" and state.position > 0:
        return _enter_backwards(turn, project, replace(state, position=state.position - 1))
    index = STEPS.index(state.step)
    previous = STEPS[max(index - 1, 0)]
    if previous == "q4":
        previous = "q3"
    return _enter(turn, project, replace(state, step=previous, position=0))


def _enter_backwards(turn: Turn, project: ProjectInfo, state: ConversationState) -> list[Reply]:
    """Going back in the walk re-asks that competence even if it is now covered."""
    state = _asked(turn, state)
    _save(turn, project, state)
    return _ask(turn, project, state)


def _next_uncovered(
    turn: Turn, project: ProjectInfo, state: ConversationState
) -> ConversationState:
    walk: list[int] = state.data.get("walk", [])
    assigned = {
        cid
        for cid, a in turn.store.load_state(project).assignments.items()
        if a.entity_id is not None
    }
    position = state.position
    while position < len(walk) and walk[position] in assigned:
        position += 1
    if position >= len(walk):
        return replace(state, step="done", position=0)
    return replace(state, position=position)


def _coverage_step(
    turn: Turn, project: ProjectInfo, state: ConversationState
) -> tuple[ConversationState, Reply]:
    """Key question 4 is answered by the bot itself, from the coverage."""
    snapshot = turn.store.load_state(project)
    overall, families = gaps.coverage(snapshot)
    missing = gaps.uncovered(snapshot)
    text = f"{overall.covered}/{overall.total}"
    previous = snapshot.answers.get(gaps.COVERAGE_QUESTION)
    if previous is None or previous.text != text:
        turn.store.save_answer(
            project,
            gaps.COVERAGE_QUESTION,
            text,
            {"covered": overall.covered, "total": overall.total},
            BOT,
        )
        turn.store.add_history(
            project,
            BOT,
            [
                {
                    "action": "answer",
                    "subject": "question:4",
                    "field": "text",
                    "old_value": previous.text if previous else None,
                    "new_value": text,
                }
            ],
        )
    said = turn.say("coverage", overall=overall, families=families, missing=missing)
    if not missing:
        return replace(state, step="done"), said
    data = {**state.data, "walk": [c.id for c in missing]}
    return replace(state, step="q4", data=data), said


def _summary(turn: Turn, project: ProjectInfo) -> Reply:
    snapshot = turn.store.load_state(project)
    overall, _families = gaps.coverage(snapshot)
    return turn.say("conversation_done", overall=overall, gap_count=len(gaps.analyse(snapshot)))


def _record(
    turn: Turn, project: ProjectInfo, question: int, text: str, data: dict[str, Any]
) -> None:
    previous = turn.store.load_state(project).answers.get(question)
    turn.store.save_answer(project, question, text, data, turn.actor)
    turn.store.add_history(
        project,
        turn.actor,
        [
            {
                "action": "answer",
                "subject": f"question:{question}",
                "field": "text",
                "old_value": previous.text if previous else None,
                "new_value": text,
            }
        ],
    )


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


def _moa(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    result = projects.set_moa(turn, project, text, "answer_moa")
    if isinstance(result, Reply):
        return [result]
    return [turn.say("noted", step="moa", value=result.moa), *_advance(turn, result, state)]


def _q1(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    found = entities.find_or_confirm(
        turn, project, [text.strip()], {"op": "answer", "text": text}, "answer_q1"
    )
    if isinstance(found, Reply):
        return [found]
    pilot = found[0]
    _record(turn, project, 1, pilot.name, {"entity_id": pilot.id})
    return [turn.say("noted", step="q1", value=pilot.name), *_advance(turn, project, state)]


def _q2(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    competences = turn.store.competences(project.id)
    chosen = parse_competence_list(text, competences)
    if isinstance(chosen, ParseFailure):
        return _failure(turn, chosen, "answer_q2")
    chosen_ids = {c.id for c in chosen}
    snapshot = turn.store.load_state(project)
    assignments.set_keep(turn, project, chosen, Keep.OUI)
    others = [
        c
        for c in competences
        if c.id not in chosen_ids
        and (
            snapshot.assignments.get(c.id) is None
            or snapshot.assignments[c.id].keep == Keep.A_DECIDER.value
        )
    ]
    assignments.set_keep(turn, project, others, Keep.NON)
    summary = ", ".join(str(c.number) for c in chosen)
    _record(turn, project, 2, summary, {"competence_ids": [c.id for c in chosen]})
    return [
        turn.say("noted_keep", kept=chosen, others=others),
        *_advance(turn, project, state),
    ]


def _q3(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    names = parse_entity_list(text)
    if not names:
        return [turn.error("error", code="empty_name", fragment=text, usage="answer_q3")]
    found = entities.find_or_confirm(
        turn, project, names, {"op": "answer", "text": text}, "answer_q3"
    )
    if isinstance(found, Reply):
        return [found]
    value = ", ".join(e.name for e in found)
    _record(turn, project, 3, value, {"entity_ids": [e.id for e in found]})
    return [turn.say("noted", step="q3", value=value), *_advance(turn, project, state)]


def _q4(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    decision = parse_yes_no(text)
    if decision is None:
        return [turn.error("error", code="yes_no", fragment=text, usage="answer_yes_no")]
    if not decision:
        return _enter(turn, project, replace(state, step="done"))
    return _enter(turn, project, replace(state, step="walk", position=0))


def _walk(turn: Turn, project: ProjectInfo, state: ConversationState, text: str) -> list[Reply]:
    competence = _walk_competence(turn, project, state)
    if competence is None:
        return _advance(turn, project, state)
    owner = parse_owner(text)
    if isinstance(owner, ParseFailure):
        return _failure(turn, owner, "answer_owner")
    found = entities.find_or_confirm(
        turn, project, [owner.entity_name], {"op": "answer", "text": text}, "answer_owner"
    )
    if isinstance(found, Reply):
        return [found]
    done = assignments.assign(
        turn,
        project,
        competence,
        found[0],
        turn.store.entities(project.id),
        sourcing=owner.sourcing.value if owner.sourcing else None,
        contacts=list(owner.contacts),
        keep=owner.keep.value if owner.keep else None,
    )
    return [done, *_advance(turn, project, state)]


_HANDLERS = {"moa": _moa, "q1": _q1, "q2": _q2, "q3": _q3, "q4": _q4, "walk": _walk}
