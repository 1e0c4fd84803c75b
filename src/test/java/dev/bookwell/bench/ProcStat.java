package dev.bookwell.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads a process's (or thread's) {@code /proc/<pid>/stat}; every figure is -1 (or "") when it cannot be read. */
final class ProcStat {

  private static final long CLOCK_TICKS_PER_SECOND = 100;  // USER_HZ on Linux

  private ProcStat() {
  }

  /** User + system CPU, in seconds. */
  static double cpuSeconds(Path stat) {
    return seconds(stat, false);
  }

  /** User + system CPU, in seconds, with that of its children that have ended and been waited for. */
  static double cpuSecondsWithEndedChildren(Path stat) {
    return seconds(stat, true);
  }

  /** The parent's pid. */
  static String parent(Path stat) {
    try {
      return fields(stat)[1];
    } catch (IOException | RuntimeException e) {
      return "";  // a process that ended meanwhile
    }
  }

  private static double seconds(Path stat, boolean children) {
    try {
      String[] fields = fields(stat);
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12])
          + (children ? Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : 0);
      return ticks / (double) CLOCK_TICKS_PER_SECOND;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The fields from the third (the state) on: proc(5)'s field n is at n - 3 (utime, 14th, at 11). */
  private static String[] fields(Path stat) throws IOException {
    String text = Files.readString(stat);
    return text.substring(text.lastIndexOf(')') + 2).split(" ");  // after the command, which may hold spaces
  }
}
