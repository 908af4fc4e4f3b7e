# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter pg_cluster_view: node reports of a whole group -> one cluster view."""

from __future__ import annotations

DOCUMENTATION = r"""
name: pg_cluster_view
short_description: Turn the pg_node_info reports of a group into one view of the cluster
version_added: 0.1.0
description:
  - Takes a dict of host name to M(hastack.platform.pg_node_info) result and returns which host is the
    primary, which are standbys, which must be rejoined, and the problems (split brain, mixed system
    identifiers, a stale primary) that must stop any change.
  - The primary is what the nodes report, never what the inventory says.
options:
  _input:
    description: Dict of host name to pg_node_info result.
    type: dict
    required: true
  unreachable:
    description: Hosts of the group that could not be asked.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Build the cluster view
  ansible.builtin.set_fact:
    cluster: "{{ dict(groups['db'] | zip(groups['db'] | map('extract', hostvars, 'pg_node'))) | hastack.platform.pg_cluster_view }}"
"""

RETURN = r"""
_value:
  description: The cluster view.
  type: dict
  contains:
    state:
      description: C(bootstrap), C(running), C(stopped) or C(broken).
      type: str
    primary:
      description: Host that is the primary, or that may be started as one.
      type: str
    standbys:
      description: Running standbys.
      type: list
    needs_rejoin:
      description: Former primaries that must be rewound and rejoined, never started as primaries.
      type: list
    problems:
      description: Reasons to stop, each naming the hosts and the fix.
      type: list
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.hastack.platform.plugins.module_utils.pg_cluster import cluster_view


def pg_cluster_view(reports, unreachable=None):
    if not isinstance(reports, dict):
        raise AnsibleFilterError('pg_cluster_view expects a dict of host name to pg_node_info result, got %s'
                                 % type(reports).__name__)
    return cluster_view(dict(reports), unreachable=unreachable or ())


class FilterModule(object):
    def filters(self):
        return {'pg_cluster_view': pg_cluster_view}
