package org.nftoffload.plan;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the P4Runtime priority of every group of ACL entries (one group per flattened rule, in first-match order)
 * so that earlier groups get strictly higher priorities and a re-plan rewrites as little as possible. A P4Runtime
 * priority is part of an entry's key, so a changed priority is a delete and an insert: groups that also were in the
 * plan in force (same match keys, same relative order: a longest common subsequence of the two ordered lists) keep
 * their priority; a group that replaces a removed one in the same gap takes its priority; new groups go into the
 * gaps between their neighbours. Only when a gap has no room left is a window around it renumbered, grown until the
 * window's groups are at least half a gap apart again (so repeated insertions at one place renumber ever larger
 * windows ever more rarely, as in a packed-memory array). Fresh layouts leave {@code gap} between groups so that later edits fit.
 * Priorities stay in [1, top): top itself belongs to the entries that must win over every rule.
 */
final class PriorityLayout {
  /** The largest middle part (old groups × new groups) aligned exactly; beyond it only the ends are kept. */
  private static final long MAX_CELLS = 4_000_000;

  private PriorityLayout() {}

  /**
   * The priorities of {@code next}, highest first.
   *
   * @param previous the groups in force, in order (their keys compared with {@link Object#equals})
   * @param previousPriorities their priorities, strictly decreasing, each in [1, top)
   * @param next the groups wanted, in order
   * @param top the exclusive upper bound
   * @param gap the spacing of a fresh layout
   */
  static int[] assign(List<?> previous, int[] previousPriorities, List<?> next, int top, int gap) {
    int n = next.size();
    int[] prio = new int[n];
    int[] match = align(previous, next);
    boolean[] taken = new boolean[previous.size()];
    for (int j = 0; j < n; j++) {
      if (match[j] >= 0) {
        prio[j] = previousPriorities[match[j]];
        taken[match[j]] = true;
      }
    }
    reuseReplaced(match, taken, previousPriorities, prio);
    place(prio, top, gap);
    return prio;
  }

  /**
   * For each next group, the index of the previous group it keeps (or -1): common prefix and suffix first (an edit
   * is usually local), then a longest common subsequence of the middle when it is small enough.
   */
  static int[] align(List<?> aGroups, List<?> bGroups) {
    // each distinct group becomes a small number once, so that the comparisons below are int comparisons
    Map<Object, Integer> ids = new HashMap<>();
    int[] a = new int[aGroups.size()];
    int[] b = new int[bGroups.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = ids.computeIfAbsent(aGroups.get(i), k -> ids.size());
    }
    for (int j = 0; j < b.length; j++) {
      b[j] = ids.computeIfAbsent(bGroups.get(j), k -> ids.size());
    }
    int[] match = new int[b.length];
    Arrays.fill(match, -1);
    int pre = 0;
    while (pre < a.length && pre < b.length && a[pre] == b[pre]) {
      match[pre] = pre;
      pre++;
    }
    int suf = 0;
    while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] == b[b.length - 1 - suf]) {
      match[b.length - 1 - suf] = a.length - 1 - suf;
      suf++;
    }
    int na = a.length - pre - suf;
    int nb = b.length - pre - suf;
    if (na == 0 || nb == 0 || (long) na * nb > MAX_CELLS) {
      return match;
    }
    // lcs[i][j]: length of the LCS of a[pre+i..] and b[pre+j..]
    int[][] lcs = new int[na + 1][nb + 1];
    for (int i = na - 1; i >= 0; i--) {
      for (int j = nb - 1; j >= 0; j--) {
        lcs[i][j] = a[pre + i] == b[pre + j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < na && j < nb) {
      if (a[pre + i] == b[pre + j]) {
        match[pre + j] = pre + i;
        i++;
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        i++;
      } else {
        j++;
      }
    }
    return match;
  }

  /**
   * Between two kept groups, when as many previous groups went away as new ones arrived (a rule whose match
   * changed), the new ones take the freed priorities in order: entries the two share are then left alone.
   */
  private static void reuseReplaced(int[] match, boolean[] taken, int[] previousPriorities, int[] prio) {
    int prevKept = -1;
    int j = 0;
    while (j <= match.length) {
      int s = j;
      while (j < match.length && match[j] < 0) {
        j++;
      }
      int nextKept = j < match.length ? match[j] : previousPriorities.length;
      int freed = nextKept - prevKept - 1;
      if (j - s > 0 && freed == j - s) {
        for (int k = 0; k < freed; k++) {
          if (!taken[prevKept + 1 + k]) {
            prio[s + k] = previousPriorities[prevKept + 1 + k];
          }
        }
      }
      if (j < match.length) {
        prevKept = match[j];
      }
      j++;
    }
  }

  /** Gives every group still at 0 a priority between its neighbours, renumbering a window where there is no room. */
  private static void place(int[] prio, int top, int gap) {
    int n = prio.length;
    // a renumbered window is done when its groups are half a gap apart on average: asking for a full gap where
    // every gap is full would grow it to the whole table
    long want = Math.max(1, Math.min(gap, (long) top / (n + 1)) / 2);
    int s = 0;
    while (s < n) {
      if (prio[s] != 0) {
        s++;
        continue;
      }
      int e = s;
      while (e < n && prio[e] == 0) {
        e++;
      }
      long hi = s > 0 ? prio[s - 1] : top;
      long lo = e < n ? prio[e] : 0;
      if (hi - lo < e - s + 1) {
        // no room: release neighbours until the window holds its groups spaced out again
        boolean left = true;
        while (hi - lo < (e - s + 1) * want && (s > 0 || e < n)) {
          if ((left && s > 0) || e == n) {
            s--;
            hi = s > 0 ? prio[s - 1] : top;
          } else {
            e++;
            while (e < n && prio[e] == 0) {
              e++;
            }
            lo = e < n ? prio[e] : 0;
          }
          left = !left;
        }
        if (hi - lo < e - s + 1) {
          // more groups than priorities: nothing keeps the order; the lowest ones share priority 1
          for (int k = s; k < e; k++) {
            prio[k] = (int) Math.max(1, hi - 1 - (k - s));
          }
          s = e;
          continue;
        }
      }
      spread(prio, s, e, hi, lo, top, gap);
      s = e;
    }
  }

  private static void spread(int[] prio, int s, int e, long hi, long lo, int top, int gap) {
    int k = e - s;
    long room = hi - lo;
    if (lo == 0) {
      // at the end (or a fresh layout): a fixed step, so that appended rules find the same room
      long step = Math.min(gap, room / (k + 1));
      for (int i = 0; i < k; i++) {
        prio[s + i] = (int) (hi - (i + 1) * step);
      }
    } else if (hi == top) {
      long step = Math.min(gap, room / (k + 1));
      for (int i = 0; i < k; i++) {
        prio[s + i] = (int) (lo + (k - i) * step);
      }
    } else {
      for (int i = 0; i < k; i++) {
        prio[s + i] = (int) (hi - (i + 1) * room / (k + 1));
      }
    }
  }
}
