"""An example of every scenario table, for ``docs/scenarios.md``.

Each example is a TOML fragment that, laid over the bundled ``baseline-2019`` scenario, makes a
valid scenario; a test loads every one, so the reference cannot show an example that fails.
"""

from __future__ import annotations

# table path (as in the reference's headings) -> a TOML fragment
EXAMPLES: dict[str, str] = {
    "": '''\
extends = "baseline-2019"          # a bundled name, or a path relative to this file
name = "baseline-2019-no-nato-practice"
description = "The 2019 treaty if NATO members flew over each other."
''',
    "period": '''\
[period]
start = 2019
end = 2020
''',
    "run": '''\
[run]
replications = 20
seed = 7
''',
    "membership": '''\
[membership]
passive_quotas = { FIN = 6 }

[membership.states.USA]
stays = true                       # the United States never withdraws

[membership.states.FIN]
nato_member_since = 2023-04-04

[membership.groups.BY-RU]
persists = true                    # the Belarus-Russia group outlives Russia's withdrawal
''',
    "rules": '''\
[rules]
nato_practice = false
fifty_percent_rule = "transfers"
deadlock_years = [2018]
no_agreement = { 2019 = ["USA"] }  # the 2019 flights over the US repeat 2018's
''',
    "rules.refusals": '''\
[[rules.refusals]]
observed = "GEO"
observer = "RUS"
start = 2012-04-01
mutual = true
source = "civil.ge, 6 Apr 2012"
''',
    "rules.suspensions": '''\
[[rules.suspensions]]
state = "UKR"
start = 2019-06-01
end = 2019-09-01
source = "an illustration: no quota flight by or over Ukraine for a summer"
''',
    "rules.transfers": '''\
[[rules.transfers]]
year = 2019
donor = "GBR"
recipient = "USA"
flights = 1
''',
    "requests": '''\
[requests]
model = "historical"
demand_shares = { "*" = 0.9, USA = 1.0 }   # share of its entitlement each observer asks for
joint = { CAN = "" }                       # Canada flies its own missions, joining no lead
''',
    "requests.table": '''\
[requests]
model = "explicit"

[[requests.table]]
observer = "USA"
observed = "BY-RU"
flights = 8

[[requests.table]]
observer = "DEU"
observed = "BY-RU"
flights = 2
shared_with = ["FRA"]
year = 2019
''',
    "requests.interest": '''\
[[requests.interest]]
observer = "USA"
observed = "BY-RU"
weight = 3.0

[[requests.interest]]
observer = "NATO"
observed = "UKR"
weight = 0                         # removes the bundled row
''',
    "fleet.outages": '''\
[[fleet.outages]]
aircraft = "USA-OC135B"
start = 2019-03-01
end = 2019-06-01
source = "an illustration: the OC-135Bs grounded for three months"
''',
    "restrictions": '''\
[[restrictions]]
name = "Kaliningrad sub-limit"
kind = "distance_cap"
state = "RUS"
region = "kaliningrad"
max_km = 500
start = 2017-01-01
source = "Russian MFA, Sep 2017"

[[restrictions]]
name = "an illustrative no-fly box"
kind = "no_fly"
state = "UKR"
bbox = [30.0, 46.0, 31.0, 47.0]
buffer_km = 10
''',
    "geometry": '''\
[geometry]
enabled = true
resolution_km = 50
transit_charge = "full"
''',
    "geometry.areas_of_interest": '''\
[[geometry.areas_of_interest]]
id = "moscow"
observed = "RUS"
observer = "*"
name = "Moscow region"
bbox = [[35.0, 54.8, 39.0, 56.8]]
weight = 2.0
source = "an illustration"
''',
    "sharing": '''\
[sharing]
policy = "allies"
recipients = ["USA"]
''',
    "operations": '''\
[operations.timeline]
rest_hours = 12

[operations.failures]
default_breakdown_probability = 0.1

[operations.planning]
use_share = 0.9
''',
}
