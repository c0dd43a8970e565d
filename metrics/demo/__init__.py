"""A synthetic extract that looks like a county's, for demonstrations, tests and benchmarks.

``write_demo`` writes all thirteen tables of the extract contract (``metrics.extract.schema``) as
``<table>.csv``. The extract ends on 2026-10-31 whatever the date today, and a given
(seed, scale) always gives the same bytes: everything is drawn from
``numpy.random.default_rng(seed)``.

What it holds at scale 1:

* BHD: seven Recovery Support Agencies in Milwaukee of clearly different sizes, with
  RSC-I, RSC-F and CM staff and their supervisors (role ``other``). Staff are full- or
  part-time, join and leave; teams are sized so that most caseloads sit at or under the
  standard and some over it.
* About 2,400 CIU referrals since 2023-11-01 (about 10% emergency), plus some 600 earlier
  ones still open on that day, so that caseloads are full from the start. RSC-F referrals are
  families of 2 to 4 clients. Most are assigned within a business day and reached within
  24 hours (emergencies within 30 minutes); some are late and some are never reached (only
  unsuccessful attempts, never enrolled). Enrolled episodes are carried by staff of the
  matching role, transferred when staff leave and now and then otherwise, and discharged
  planned or unplanned, or still open at the end.
* About 120,000 contacts: client contacts and RST meetings in the periods of the settings'
  contact requirements (``Settings.contact_requirements``), met in about 60% to 95% of them
  depending on the agency, collateral contacts and attempts; care-plan events.
* DCTS: six county and tribal CRS programs with their CRS providers (role ``other``) and
  orientation trainings, participants, incidents, biennial monitoring visits (one program
  overdue, one due soon, one never visited, one visited on 2024-02-29), annual documentation
  reviews and plans of action of every status, three escalated to corrective actions whose
  responses came on time, late or not at all.
* A fixed handful of bad rows, one of every kind the contract rejects, listed in
  ``DemoSummary.planted`` with their line numbers.

``scale`` multiplies staff, clients, episodes and contacts; the number of agencies and
programs, and with it the DCTS tables, grows with ceil(sqrt(scale)).

The modules, by what they generate: ``agencies`` (the county's agencies and programs),
``staff``, ``episodes`` (referrals, episodes and clients), ``assignments``, ``contacts``,
``care_plans``, ``dcts`` (the DCTS oversight tables), ``bad_rows``, ``tables`` (every table
from one seed) and ``writing`` (the CSV files and the manifest); ``common`` and ``columns``
hold what they share.
"""

from metrics.demo.common import EXTRACT_END
from metrics.demo.writing import DemoSummary, PlantedReject, write_demo

__all__ = ["EXTRACT_END", "DemoSummary", "PlantedReject", "write_demo"]
