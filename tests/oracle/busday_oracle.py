"""tests/oracle/busday_oracle.py — expected working-day offsets from numpy (not our code).

Usage: busday_oracle.py HOLIDAYS_TSV > WORKING_DAYS_TSV

Reads the date-holidays list written by holidays_oracle.js and, for each region, every
date 2018-01-01 .. 2030-12-31 and n in {1, 2, 4, 5, 7, 9, 10}, computes
numpy.busday_offset(date, n, roll='backward', weekmask='Mon..Fri', holidays=...).
roll='backward' moves a non-working start back to the previous working day before
counting, which is exactly Parley's convention ("the n-th working day strictly after D;
from a non-working D the next working day is day 1").
Output: region<TAB>from<TAB>n<TAB>expected, with a header line.
"""
import sys

import numpy as np

OFFSETS = (1, 2, 4, 5, 7, 9, 10)
REGIONS = ("england-and-wales", "scotland", "northern-ireland")


def main(path):
    holidays = {r: [] for r in REGIONS}
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header != ["region", "date", "name"]:
            sys.exit(f"busday_oracle.py: unexpected header in {path}: {header}")
        for line in f:
            region, date, _name = line.rstrip("\n").split("\t")
            holidays[region].append(date)
    # Offsets from late 2030 land in January 2031: the list must reach that far.
    for region in REGIONS:
        if not any(d.startswith("2031-") for d in holidays[region]):
            sys.exit(f"busday_oracle.py: {path} has no 2031 holidays for {region}")
    days = np.arange(np.datetime64("2018-01-01"), np.datetime64("2031-01-01"))
    out = sys.stdout
    out.write("region\tfrom\tn\texpected\n")
    for region in REGIONS:
        cal = np.busdaycalendar(weekmask="1111100",
                                holidays=np.array(sorted(set(holidays[region])), dtype="datetime64[D]"))
        from_str = np.datetime_as_string(days)
        results = {n: np.datetime_as_string(np.busday_offset(days, n, roll="backward",
                                                             busdaycal=cal))
                   for n in OFFSETS}
        lines = [f"{region}\t{from_str[i]}\t{n}\t{results[n][i]}\n"
                 for i in range(len(days)) for n in OFFSETS]
        out.writelines(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
