"""The marketing services, one package per service, named for what it holds:

- `segments`: the segment language, its SQL and Python evaluators, stored membership;
- `rfm`: RFM scores and the nightly snapshot;
- `triggers`: automation triggers (abandoned cart, churn risk, VIP, post-purchase, entry);
- `campaigns`: campaign commands, rules, audit trail and performance;
- `leads`: the lead pipeline (validate, merge, score, assign, follow up);
- `experiments`: A/B assignment and statistics;
- `attribution`: revenue attribution, heuristic and Markov, and its report over the store;
- `kpis`: the marketing KPIs and their report over the store;
- `common`: the rules they share (the clock, what a completed order is, dialect SQL).
"""

from __future__ import annotations
