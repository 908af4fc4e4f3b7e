#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: patroni_cluster_info
short_description: Read a Patroni cluster through its REST API
version_added: 0.1.0
description:
  - Reads C(GET /cluster) and C(GET /config) from the first member in O(endpoints) that answers (a cluster may
    have lost members), and C(GET /patroni) from every member, and returns one view of the cluster (members with
    role, state, timeline and lag, the leader (lease holder), the synchronous or quorum standbys, whether
    automatic failover is paused, DCS failsafe mode, pending restarts and the replica a switchover would pick).
  - When no member can read the DCS (C(GET /cluster) fails everywhere) but members still answer, returns what
    they say about themselves with RV(dcs_reachable=false) and no leader.
  - Patroni 4.0 or newer (C(primary), not C(master)).
author: hastack.platform maintainers (@hastack)
extends_documentation_fragment:
  - hastack.platform.patroni_api
attributes:
  check_mode:
    support: full
    description: Reads only; runs the same in check mode.
  diff_mode:
    support: none
    description: Changes nothing.
"""

EXAMPLES = r"""
- name: Read the cluster from any member
  hastack.platform.patroni_cluster_info:
    endpoints: "{{ groups['db'] | map('regex_replace', '^(.*)$', 'https://\\1:8008') | list }}"
    ca_file: /etc/hastack/tls/ca.crt
  register: patroni
  delegate_to: localhost
  run_once: true

- name: Stop unless automatic failover is on
  ansible.builtin.assert:
    that: not patroni.paused
    fail_msg: Automatic failover is paused; run patroni_pause state=resumed
"""

RETURN = r"""
scope:
  description: Cluster name (Patroni's C(scope)).
  type: str
  returned: always
members:
  description:
    - One entry per member, sorted by name, with C(name), C(host), C(port), C(api_url), C(role)
      (C(leader), C(standby_leader), C(replica), C(sync_standby) or C(quorum_standby); when the DCS cannot be read,
      what the member says, such as C(primary) or C(replica)), C(state) (C(running), C(streaming), C(stopped) ...),
      C(timeline), C(lag_bytes) (bytes behind the leader's last known WAL position, null when unknown), C(tags),
      C(pending_restart), C(nofailover), C(nosync), C(failover_priority), C(scheduled_restart),
      C(patroni_version), C(failsafe_mode_is_active) and C(dcs_last_seen) (null for a member that did not answer).
  type: list
  elements: dict
  returned: always
leader:
  description: Name of the member that holds the leader lease; null when none does or the DCS cannot be read.
  type: str
  returned: always
leader_state:
  description: State of the leader (C(running) when healthy).
  type: str
  returned: always
timeline:
  description: Timeline of the leader.
  type: int
  returned: always
sync_standbys:
  description: Members in the synchronous (C(synchronous_mode=on)) or quorum (C(quorum)) set.
  type: list
  elements: str
  returned: always
synchronous_mode:
  description: C(off), C(on) or C(quorum); null when unknown.
  type: str
  returned: always
paused:
  description: Whether automatic failover is paused (maintenance mode).
  type: bool
  returned: always
pending_restart:
  description: Members whose PostgreSQL waits for a restart to apply a setting.
  type: list
  elements: str
  returned: always
scheduled_switchover:
  description: C(at), C(from) and C(to) of a scheduled switchover; null when none is.
  type: dict
  returned: always
best_candidate:
  description: The replica a switchover without a target would go to; null when none qualifies or there is no leader.
  type: str
  returned: always
failsafe_mode:
  description: Whether C(failsafe_mode) is on in the dynamic configuration; null when unknown.
  type: bool
  returned: always
failsafe_mode_is_active:
  description: Whether a member runs in failsafe mode now (the leader keeps going without the DCS).
  type: bool
  returned: always
dcs_reachable:
  description: Whether a member could read the cluster from the DCS.
  type: bool
  returned: always
config:
  description: The dynamic configuration (C(GET /config)); null when it could not be read.
  type: dict
  returned: always
patroni_versions:
  description: The distinct Patroni versions the members report.
  type: list
  elements: str
  returned: always
unreachable_endpoints:
  description: Endpoints that did not answer C(GET /patroni). (Not C(unreachable), which Ansible would read as this host being unreachable.)
  type: list
  elements: str
  returned: always
endpoint:
  description: The endpoint that answered C(GET /cluster).
  type: str
  returned: always
maximum_lag_on_failover:
  description: Patroni's C(maximum_lag_on_failover), the default lag bound of a switchover.
  type: int
  returned: always
"""

from ansible_collections.hastack.platform.plugins.module_utils.patroni_api import (
    api_module,
    PatroniApiError,
    PatroniClient,
    cluster_report,
)


def main():
    module = api_module()
    try:
        report = cluster_report(PatroniClient.from_params(module.params))
    except PatroniApiError as exc:
        module.fail_json(msg=str(exc), url=exc.url, status=exc.status)
    module.exit_json(changed=False, **report)


if __name__ == '__main__':
    main()
