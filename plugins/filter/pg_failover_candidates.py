# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter pg_failover_candidates: standby reports -> who to promote, best first."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pg_failover_candidates
short_description: Rank the standbys for promotion and say when none is safe
version_added: 0.1.0
description:
  - Takes a dict of host name to M(hastack.platform.pg_node_info) result and ranks the running standbys by
    most WAL received, then the highest priority, then the name.
  - In synchronous mode only a comparison that includes enough of the synchronous standbys proves that the
    best one holds every acknowledged commit; otherwise a problem is returned.
options:
  _input:
    description: Dict of host name to pg_node_info result.
    type: dict
    required: true
  priorities:
    description: Dict of host name to priority; higher wins a tie.
    type: dict
    default: {}
  synchronous:
    description: C({members, count}) from C(synchronous_standby_names), or null when replication is asynchronous.
    type: dict
"""

EXAMPLES = r"""
- name: Choose the standby to promote
  ansible.builtin.set_fact:
    candidates: "{{ standby_reports | hastack.platform.pg_failover_candidates(synchronous={'members': ['db2', 'db3'], 'count': 1}) }}"
"""

RETURN = r"""
_value:
  description: C(ranked), the standbys best first, and C(problems), reasons not to promote any.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.hastack.platform.plugins.module_utils.pg_cluster import failover_candidates


def pg_failover_candidates(reports, priorities=None, synchronous=None):
    if not isinstance(reports, dict):
        raise AnsibleFilterError('pg_failover_candidates expects a dict of host name to pg_node_info result')
    return failover_candidates(dict(reports), priorities=priorities, synchronous=synchronous)


class FilterModule(object):
    def filters(self):
        return {'pg_failover_candidates': pg_failover_candidates}
