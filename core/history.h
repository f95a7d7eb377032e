// core/history.h — a challenge's stage history and timescales: when each stage was entered
// and left, what the procedure allowed, and whether each timescale was met.
//
// Model: a stage's timescale is met by leaving the stage in time (escalated, resolved or
// closed), or — where the procedure names an event that meets it (timescale `met_by`, e.g.
// "Arrange a meeting ... within 7 days") — by that event at the stage in time. A checklist
// item's timescale is met by the first event that satisfies it; the challenge's as a whole
// by its resolution (or closure). `met` is null while the answer is not yet known: no
// timescale, its start not recorded, or still running and not yet met. Time at a stage and
// since raising stop when the stage is left and when the challenge is resolved or closed.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/engine.h"

namespace parley {

// A moment as the UK day it fell on: "Wed 2 Dec 2026".
std::string day_words(std::int64_t ms);

// When a timescale's reference point happened, if it has. `this_stage` resolves
// "the start of this stage"; `entered_at` is this visit's start.
std::optional<std::int64_t> reference_time(const TimescaleFrom& f, const ChallengeState& s, int this_stage);

// "the challenge being raised", "the start of stage 2", "the first discussion recorded at stage 1".
std::string describe_from(const TimescaleFrom& f, int this_stage);

std::vector<StageRecord> stage_history(const ChallengeState& s, const Procedure& p, std::int64_t as_of,
                                       const Calendar& calendar);

// Every timescale of the challenge: each reached stage's ("stage-N"), each checklist item's
// of a reached stage (the item's id), and the challenge's as a whole ("challenge").
std::vector<TimescaleRecord> timescale_records(const ChallengeState& s, const Procedure& p,
                                               const std::vector<StageRecord>& stages, std::int64_t as_of,
                                               const Calendar& calendar);

}  // namespace parley
