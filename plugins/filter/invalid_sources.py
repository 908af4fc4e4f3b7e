# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter invalid_sources: the entries of an allow list that are neither an address nor a network."""

from __future__ import annotations

import ipaddress

DOCUMENTATION = r"""
name: invalid_sources
short_description: The entries of an allow list that are neither an IP address nor a network in CIDR form
version_added: 0.1.0
description:
  - Every role that opens a port checks its sources with this filter before any host is touched.
  - A network must have its host bits clear (C(10.0.0.0/24), not C(10.0.0.5/24)); a prefix must fit the family.
options:
  _input:
    description: Addresses and networks.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Refuse bad networks
  ansible.builtin.assert:
    that: my_sources | hastack.platform.invalid_sources | length == 0
"""

RETURN = r"""
_value:
  description: The entries that are not valid, in their order.
  type: list
  elements: str
"""


def _is_valid(source):
    text = str(source).strip()
    try:
        if '/' in text:
            ipaddress.ip_network(text, strict=True)
        else:
            ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def invalid_sources(sources):
    return [source for source in sources if not _is_valid(source)]


class FilterModule(object):
    def filters(self):
        return {'invalid_sources': invalid_sources}
