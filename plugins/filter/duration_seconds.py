# -*- coding: utf-8 -*-
# Copyright: hastack.platform maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filter duration_seconds: a number, or a Prometheus-style duration such as 26h or 1h30m, as seconds."""

from __future__ import annotations

import re

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: duration_seconds
short_description: A number or a duration (26h, 8d, 1h30m) as a number of seconds
version_added: 0.1.0
description:
  - Numbers pass unchanged (as numbers). Strings are a number, or one or more of a whole number followed by
    a unit C(ms), C(s), C(m), C(h), C(d), C(w) or C(y) (365 days), as Prometheus writes durations.
  - Anything else is an error naming the value.
options:
  _input:
    description: The number or duration.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: A backup age threshold in seconds
  ansible.builtin.debug:
    msg: "{{ '1d12h' | hastack.platform.duration_seconds }}"  # 129600
"""

RETURN = r"""
_value:
  description: The seconds, an integer when whole.
  type: float
"""

_UNITS = {'ms': 0.001, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800, 'y': 31536000}
_NUMBER = re.compile(r'^[0-9]+(\.[0-9]+)?$')
_DURATION = re.compile(r'^([0-9]+(ms|s|m|h|d|w|y))+$')
_PART = re.compile(r'([0-9]+)(ms|s|m|h|d|w|y)')


def duration_seconds(value):
    if isinstance(value, bool):
        raise AnsibleFilterError('duration_seconds: %r is neither a number nor a duration such as 26h' % (value,))
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    if _NUMBER.match(text):
        number = float(text)
    elif _DURATION.match(text):
        number = sum(int(count) * _UNITS[unit] for count, unit in _PART.findall(text))
    else:
        raise AnsibleFilterError('duration_seconds: %r is neither a number nor a duration such as 26h' % (value,))
    return int(number) if float(number).is_integer() else number


class FilterModule(object):
    def filters(self):
        return {'duration_seconds': duration_seconds}
