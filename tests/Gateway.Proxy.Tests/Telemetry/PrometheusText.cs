using System.Globalization;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>A reader of the Prometheus text exposition format: one sample a line, comments skipped.</summary>
internal static class PrometheusText
{
    /// <summary>Every sample: metric name, the raw label text (without braces) and the value.</summary>
    public static IReadOnlyList<(string Name, string Labels, double Value)> Parse(string text)
    {
        var samples = new List<(string, string, double)>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            string name, labels, rest;
            if (brace >= 0 && (space < 0 || brace < space))
            {
                var close = line.LastIndexOf('}');
                name = line[..brace];
                labels = line[(brace + 1)..close];
                rest = line[(close + 1)..].Trim();
            }
            else
            {
                name = line[..space];
                labels = string.Empty;
                rest = line[(space + 1)..].Trim();
            }

            var valueText = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
            var value = valueText switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(valueText, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            samples.Add((name, labels, value));
        }

        return samples;
    }
}
