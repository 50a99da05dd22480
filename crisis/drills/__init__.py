"""Crisis drills: a recorded storm replayed on a simulated clock against a fresh drill organization.

`scenario` turns a scenario file (scenarios/*.json) into a recording (pure, seeded); `desk` builds the
drill organization (people, rota, policy, guide, watch topic, a channel on the drill's own platform
sandbox, learned weeks of counters); `responders` plays the people; `runner` moves the clock and
drives the real pipeline; `figures` reads the times off the crisis timeline.
"""
