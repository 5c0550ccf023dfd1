namespace Gateway.Cli.Runs;

/// <summary>
/// Two runs' steps aligned by their keys (<see cref="RunStep.Key"/>: the same tool, the same event), the longest common
/// subsequence kept in order and every other step standing alone on its side; an aligned pair differs when its
/// decision or failing controls do. Stories longer than <see cref="MaxAligned"/> steps are aligned position by position.
/// </summary>
internal static class RunStepAlignment
{
    /// <summary>The longest story aligned by content (the table is quadratic).</summary>
    public const int MaxAligned = 2000;

    /// <summary>One row: a step of A, of B, or of both.</summary>
    public sealed record Row(RunStep? A, RunStep? B)
    {
        /// <summary>True when only one side has the step, or both have it with another decision.</summary>
        public bool Differs => A is null || B is null || A.Verdict != B.Verdict;
    }

    public static IReadOnlyList<Row> Align(IReadOnlyList<RunStep> a, IReadOnlyList<RunStep> b)
    {
        if (a.Count > MaxAligned || b.Count > MaxAligned)
        {
            return [.. Enumerable.Range(0, Math.Max(a.Count, b.Count)).Select(i => new Row(i < a.Count ? a[i] : null, i < b.Count ? b[i] : null))];
        }

        // lengths[i, j]: the longest common subsequence of a[i..] and b[j..].
        var lengths = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i].Key == b[j].Key ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }

        var rows = new List<Row>(Math.Max(a.Count, b.Count));
        var (x, y) = (0, 0);
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x].Key == b[y].Key)
            {
                rows.Add(new Row(a[x++], b[y++]));
            }
            else if (y >= b.Count || (x < a.Count && lengths[x + 1, y] >= lengths[x, y + 1]))
            {
                rows.Add(new Row(a[x++], null));
            }
            else
            {
                rows.Add(new Row(null, b[y++]));
            }
        }

        return rows;
    }
}
