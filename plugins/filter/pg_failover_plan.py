# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter pg_failover_plan: node reports -> whom to fence and whom to promote, or why not."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pg_failover_plan
short_description: Decide whom failover.yml fences and promotes, or refuse with the reason
version_added: 0.1.0
description:
  - Takes a dict of host name to M(hastack.platform.pg_node_info) result, for the db hosts that answered.
  - Refuses on split brain, on foreign data, and when a writable primary still runs unless O(confirm=true).
  - Ranks the running standbys by most WAL received, then the highest priority, then the name.
  - In synchronous mode only a comparison that includes enough of the synchronous standbys proves that the
    best one holds every acknowledged commit; otherwise it refuses unless O(allow_data_loss=true).
options:
  _input:
    description: Dict of host name to pg_node_info result.
    type: dict
    required: true
  unreachable:
    description: The db hosts that did not answer.
    type: list
    elements: str
    default: []
  priorities:
    description: Dict of host name to priority; higher wins a tie on WAL.
    type: dict
    default: {}
  synchronous_count:
    description: The n of C(ANY n) or C(FIRST n) in C(synchronous_standby_names); 0 when replication is asynchronous.
    type: int
    default: 0
  confirm:
    description: Fail over even though a writable primary answers; it is fenced first.
    type: bool
    default: false
  allow_data_loss:
    description: Promote the best standby even when it may miss acknowledged commits.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Plan the failover
  ansible.builtin.set_fact:
    plan: "{{ reports | hastack.platform.pg_failover_plan(unreachable=['db1'], synchronous_count=1) }}"
"""

RETURN = r"""
_value:
  description:
    - C(old_primary) (null when it cannot be told), C(fence) (reachable primaries to fence),
      C(old_primary_fenced), C(candidate), C(ranked) (standbys best first), C(reference_lsn)
      (WAL the candidate holds) and C(problems) (reasons to stop; empty when it may go on).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.hastack.platform.plugins.module_utils.pg_cluster import failover_plan


def pg_failover_plan(reports, unreachable=(), priorities=None, synchronous_count=0, confirm=False, allow_data_loss=False):
    if not isinstance(reports, dict):
        raise AnsibleFilterError('pg_failover_plan expects a dict of host name to pg_node_info result')
    return failover_plan(dict(reports), unreachable=list(unreachable or []), priorities=dict(priorities or {}),
                         synchronous_count=int(synchronous_count or 0), confirm=bool(confirm),
                         allow_data_loss=bool(allow_data_loss))


class FilterModule(object):
    def filters(self):
        return {'pg_failover_plan': pg_failover_plan}
