"""Form fields whose parsing errors say what is accepted."""

import re
import zoneinfo
from functools import lru_cache

from wtforms import IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import StopValidation

SLOT_PATTERN = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
MAX_SLOTS = 48


class WholeNumberField(IntegerField):
    """An integer field that refuses '2.5' or 'ten' with a sentence of its own."""

    def __init__(self, label=None, validators=None, message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.parse_message = message or "Enter a whole number, such as 12."

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            self.data = None
            raise ValueError(self.parse_message)
        self.data = int(text)

    def pre_validate(self, form):
        # a value that is no number has its message; range checks would only repeat it
        if self.process_errors:
            raise StopValidation()


def parse_slots(text):
    """Parse '9:00, 13:30' into sorted ``HH:MM`` strings.

    :raises ValueError: naming the first entry that is not a time or appears twice.
    """
    slots = []
    for item in re.split(r"[,\s]+", (text or "").strip()):
        if not item:
            continue
        match = SLOT_PATTERN.match(item)
        if not match:
            raise ValueError(
                f"{item!r} is not a time of day; write slots as HH:MM from 00:00 to "
                "23:59, separated by commas."
            )
        slot = f"{int(match.group(1)):02d}:{match.group(2)}"
        if slot in slots:
            raise ValueError(
                f"{slot} is listed twice; each fetch slot may appear once."
            )
        slots.append(slot)
    if len(slots) > MAX_SLOTS:
        raise ValueError(f"At most {MAX_SLOTS} fetch slots a day are accepted.")
    return sorted(slots)


class SlotListField(StringField):
    """Times of day typed as one comma-separated list, kept as sorted ``HH:MM``."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(self.data or [])

    def process_formdata(self, valuelist):
        self.data = []
        if valuelist:
            self.data = parse_slots(valuelist[0])


# zones of the tz database that name no place: the server's own setting, whatever it
# is, and a placeholder for systems not yet set up
NOT_PLACES = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def timezone_choices():
    return [
        (name, name) for name in sorted(zoneinfo.available_timezones() - NOT_PLACES)
    ]


class TimezoneField(SelectField):
    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=timezone_choices(), **kwargs)

    def pre_validate(self, form):
        # a ValidationError, not a bare ValueError, which WTForms would not catch
        if self.data not in dict(timezone_choices()):
            raise ValidationError(
                f"{self.data!r} is not the IANA time zone of a place; pick one such "
                "as Asia/Tokyo or Europe/Berlin."
            )
