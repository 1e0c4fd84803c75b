package dev.bookwell.scheduling;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * A provider's busy times from imported calendars, merged and sorted, so "does this slot overlap one" is a binary
 * search: the generator asks it of tens of thousands of slots against thousands of busy times.
 */
final class BusyTimes {

  /** Busy from {@code start} (included) to {@code end} (excluded). */
  record Interval(Instant start, Instant end) {
  }

  private final Instant[] starts;
  private final Instant[] ends;

  private BusyTimes(Instant[] starts, Instant[] ends) {
    this.starts = starts;
    this.ends = ends;
  }

  static BusyTimes of(List<Interval> intervals) {
    var sorted = new ArrayList<>(intervals.stream().filter(i -> i.end().isAfter(i.start())).toList());
    sorted.sort(Comparator.comparing(Interval::start));
    var starts = new ArrayList<Instant>();
    var ends = new ArrayList<Instant>();
    for (var interval : sorted) {
      int last = ends.size() - 1;
      if (last >= 0 && !interval.start().isAfter(ends.get(last))) {  // overlaps or touches the previous: merge
        if (interval.end().isAfter(ends.get(last))) {
          ends.set(last, interval.end());
        }
      } else {
        starts.add(interval.start());
        ends.add(interval.end());
      }
    }
    return new BusyTimes(starts.toArray(Instant[]::new), ends.toArray(Instant[]::new));
  }

  /** Whether {@code [from, until)} overlaps a busy time. */
  boolean overlaps(Instant from, Instant until) {
    // the last busy time starting before {@code until} is the only one that can reach past {@code from}
    int i = Arrays.binarySearch(starts, until);
    int candidate = i >= 0 ? i - 1 : -i - 2;
    return candidate >= 0 && ends[candidate].isAfter(from);
  }
}
