# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter debian_release: what the collection knows of a host's Debian release."""

from __future__ import annotations

DOCUMENTATION = r"""
name: debian_release
short_description: The supported Debian release a host runs, and the PostgreSQL major version that release ships
version_added: 0.3.0
description:
  - The one place that says which releases the collection supports and which PostgreSQL each ships
    (Debian carries one PostgreSQL major version per release).
  - Given a host's facts, returns whether its release is supported, its name, and its PostgreSQL version.
options:
  _input:
    description: A host's facts (C(ansible_facts)); C(distribution) and C(distribution_major_version) are read.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Refuse an unsupported release
  ansible.builtin.assert:
    that: (ansible_facts | hastack.platform.debian_release).supported
    fail_msg: "supported: {{ (ansible_facts | hastack.platform.debian_release).supported_releases }}"

- name: PostgreSQL's major version on this host
  ansible.builtin.debug:
    msg: "{{ (ansible_facts | hastack.platform.debian_release).postgresql }}"
"""

RETURN = r"""
_value:
  description: The release as the collection sees it.
  type: dict
  contains:
    supported: {description: Whether the collection supports the release., type: bool}
    name: {description: The release as a person would say it (C(Debian 13 (trixie)), C(Ubuntu 24)), type: str}
    major: {description: Debian's major version (C(13)), empty when not Debian., type: str}
    postgresql: {description: The PostgreSQL major version the release ships, empty when unsupported., type: str}
    sshd_penalties:
      description: Whether the release's OpenSSH (9.8 and newer) penalises addresses after failed logins (C(PerSourcePenalties)).
      type: bool
    supported_releases: {description: Every supported release, for messages., type: str}
"""

# Debian release -> (codename, PostgreSQL major version it ships, OpenSSH has PerSourcePenalties)
SUPPORTED = {
    '12': ('bookworm', '15', False),
    '13': ('trixie', '17', True),
}


def supported_releases():
    return ', '.join('Debian %s (%s)' % (major, SUPPORTED[major][0]) for major in sorted(SUPPORTED, key=int))


def debian_release(facts):
    facts = facts or {}
    distribution = str(facts.get('distribution', '') or 'unknown')
    major = str(facts.get('distribution_major_version', '') or '')
    is_debian = distribution == 'Debian'
    known = SUPPORTED.get(major) if is_debian else None
    if known:
        name = 'Debian %s (%s)' % (major, known[0])
    else:
        name = ('%s %s' % (distribution, major)).strip()
    return {
        'supported': known is not None,
        'name': name,
        'major': major if is_debian else '',
        'postgresql': known[1] if known else '',
        'sshd_penalties': bool(known and known[2]),
        'supported_releases': supported_releases(),
    }


class FilterModule(object):
    def filters(self):
        return {'debian_release': debian_release}
