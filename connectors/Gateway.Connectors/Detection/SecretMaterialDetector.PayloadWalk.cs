using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Detection;

/// <summary>The walk of one JSON payload (<see cref="SecretMaterialDetector.Scan(ReadOnlySpan{byte})"/>).</summary>
public static partial class SecretMaterialDetector
{
    /// <summary>
    /// One scan: the members and indexes from the root to the element walked (in a pooled array), and the findings. A
    /// path is written only when a finding is made, from those steps.
    /// </summary>
    private ref struct PayloadWalk
    {
        private Step[] _steps;
        private int _depth;
        private List<SecretFinding>? _findings;

        public PayloadWalk() => _steps = ArrayPool<Step>.Shared.Rent(16);

        public readonly IReadOnlyList<SecretFinding> Findings => _findings is null ? [] : _findings;

        private readonly int Count => _findings?.Count ?? 0;

        /// <summary>Forgets what was found: the text is scanned again as a whole.</summary>
        public void Restart()
        {
            _findings?.Clear();
            _depth = 0;
        }

        public void Walk(JsonElement element)
        {
            if (Count >= MaxFindings)
            {
                return;
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        // A member's step is taken only when something below it may be a finding.
                        var value = property.Value;
                        var sensitive = IsSensitiveMemberName(property, out var kind) && HasValue(value);
                        var longName = JsonMarshal.GetRawUtf8PropertyName(property).Length >= MinScanned;
                        if (!sensitive && !longName && !MayHoldFinding(value))
                        {
                            continue;
                        }

                        Push(new Step(property, -1));
                        if (longName)
                        {
                            ScanName(property);
                        }

                        if (sensitive)
                        {
                            Add(new SecretFinding(Path(), kind));
                        }

                        Walk(value);
                        _depth--;
                    }

                    break;
                case JsonValueKind.Array:
                    var index = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        if (MayHoldFinding(item))
                        {
                            Push(new Step(default, index));
                            Walk(item);
                            _depth--;
                        }

                        index++;
                    }

                    break;
                case JsonValueKind.String:
                    if (MayHoldFinding(element))
                    {
                        ScanValue(element);
                    }

                    break;
                default:
                    break;
            }
        }

        // A member's name scanned for secret shapes, read on the stack when short and unescaped. Its step is written hidden
        // while it is scanned, and stays so when the name holds one: a path never spells the material.
        private void ScanName(JsonProperty member)
        {
            _steps[_depth - 1] = new Step(member, -1, Hidden: true);
            var count = Count;
            ScanString(NameChars(member, stackalloc char[MaxStackName]));

            if (Count == count)
            {
                _steps[_depth - 1] = new Step(member, -1);
            }
        }

        // A string value scanned as characters in a pooled buffer when its raw JSON has no escape (its UTF-8 is its text):
        // no string is made of a long argument (a model prompt) that holds nothing; an escaped value is unescaped into a
        // string.
        private void ScanValue(JsonElement value)
        {
            var raw = JsonMarshal.GetRawUtf8Value(value);
            raw = raw[1..^1];
            if (raw.Contains((byte)'\\'))
            {
                ScanString(value.GetString()!);
                return;
            }

            var chars = ArrayPool<char>.Shared.Rent(Encoding.UTF8.GetMaxCharCount(raw.Length));
            try
            {
                var length = Encoding.UTF8.GetChars(raw, chars);
                ScanString(chars.AsSpan(0, length));
            }
            finally
            {
                ArrayPool<char>.Shared.Return(chars, clearArray: true);
            }
        }

        public void ScanString(scoped ReadOnlySpan<char> text)
        {
            if (text.Length < MinScanned)
            {
                return;
            }

            string? path = null;
            foreach (var match in SensitivePatterns.For(text).EnumerateMatches(text))
            {
                if (Count >= MaxFindings)
                {
                    return;
                }

                if (ShapeKind(text.Slice(match.Index, match.Length)) is { } k)
                {
                    var finding = new SecretFinding(path ??= Path(), k);
                    if (_findings is null || !_findings.Contains(finding))
                    {
                        Add(finding);
                    }
                }
            }
        }

        public void Dispose()
        {
            ArrayPool<Step>.Shared.Return(_steps, clearArray: true);
            _steps = [];
        }

        private void Add(SecretFinding finding) => (_findings ??= []).Add(finding);

        private void Push(Step step)
        {
            if (_depth == _steps.Length)
            {
                var larger = ArrayPool<Step>.Shared.Rent(_steps.Length * 2);
                _steps.AsSpan().CopyTo(larger);
                ArrayPool<Step>.Shared.Return(_steps, clearArray: true);
                _steps = larger;
            }

            _steps[_depth++] = step;
        }

        // "$", then ".name" for a plain member name, "['name']" (with \ and ' escaped) for any other, "[i]" for an index.
        private readonly string Path()
        {
            var path = new StringBuilder("$");
            foreach (var step in _steps.AsSpan(0, _depth))
            {
                if (step.Index >= 0)
                {
                    path.Append('[').Append(step.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
                    continue;
                }

                var name = step.Member.Name;
                if (step.Hidden)
                {
                    path.Append("[*]");
                }
                else if (name.Length > 0 && IsPlainName(name) && !char.IsAsciiDigit(name[0]))
                {
                    path.Append('.').Append(name);
                }
                else
                {
                    path.Append("['").Append(name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal)).Append("']");
                }
            }

            return path.ToString();
        }
    }

    /// <summary>
    /// A step from an element to one inside it: a member, or (<see cref="Index"/> of at least 0) an array's item. A
    /// <see cref="Hidden"/> member (its name is secret material) is written <c>[*]</c>.
    /// </summary>
    private readonly record struct Step(JsonProperty Member, int Index, bool Hidden = false);
}
