using System.Buffers;
using System.Text.Json;
using Gateway.Policy;

namespace Gateway.Connectors.Models;

/// <summary>
/// Reads a model answer's token usage from its JSON as it arrives, chunk by chunk, holding none of it: a
/// <see cref="Utf8JsonReader"/> whose <see cref="JsonReaderState"/> is carried across chunks tracks the depth and reads only
/// the counts of the root's <c>usage</c> object (and of its <c>cache_creation</c>: an <c>anthropic</c> connector's answer alone has
/// prompt-cache counts, as only its call is reserved for their prices), else <c>message.usage</c> (Anthropic), else <c>response.usage</c> (an OpenAI
/// response, its <c>response.completed</c> event), and the root's <c>type</c>; every other value is skipped, and a string
/// longer than <see cref="MaxHeldBytes"/> (an answer's text, its logprobs) is passed over without being held. A usage object is
/// counted only once it is complete. One per document (<see cref="Reset"/> for the next); not thread-safe.
/// </summary>
internal sealed class JsonUsageScanner
{
    /// <summary>The most bytes of one unfinished token held between chunks; a longer string is skipped, anything else ends the read.</summary>
    internal const int MaxHeldBytes = 16 * 1024;

    // The counts read, by usage slot (root, message, response) and member (CountNames): the input counts, the output counts,
    // then usage.cache_creation's 1-hour writes (Anthropic's, a part of cache_creation_input_tokens).
    private static readonly string[] CountNames = ["prompt_tokens", "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "completion_tokens", "output_tokens", "ephemeral_1h_input_tokens"];
    private const int InputCounts = 4;
    private const int UsageCounts = 6;
    private const int CacheWrites = 2;
    private const int CacheReads = 3;
    private const int OneHourWrites = 6;
    private const int CacheCreation = -2;
    private const int Slots = 3;

    private readonly long?[] _counts = new long?[Slots * 7];
    private readonly long?[] _reading = new long?[7];
    private readonly bool[] _seen = new bool[Slots];
    private readonly bool _promptCache;
    private byte[] _held = [];
    private int _heldCount;
    private JsonReaderState _state;
    private bool _failed;
    private bool _skipping;
    private bool _skipEscaped;
    private bool _rootIsObject;
    private bool _afterName;
    private Member _rootMember;
    private bool _secondIsUsage;
    private bool _inCacheCreation;
    private int _usageSlot = -1;
    private int _usageDepth;
    private int _countIndex = -1;

    /// <summary>A scanner of the answers of a <paramref name="kind"/> connector: an <c>anthropic</c> one's prompt-cache counts are read, no other's.</summary>
    public JsonUsageScanner(ConnectorKind kind)
    {
        _promptCache = kind == ConnectorKind.Anthropic;
        Reset();
    }

    private enum Member
    {
        Other,
        Usage,
        Message,
        Response,
        Type,
    }

    /// <summary>Whether the root's <c>type</c> names a stream's last event (<see cref="ModelStreamEnd"/>).</summary>
    public bool Terminal { get; private set; }

    /// <summary>Whether the document could not be read to its end (not JSON, a token too long to hold): what was read stands.</summary>
    public bool Failed => _failed;

    /// <summary>Starts over for another document.</summary>
    public void Reset()
    {
        _state = new JsonReaderState(new JsonReaderOptions { MaxDepth = 256 });
        Array.Clear(_counts);
        Array.Clear(_seen);
        _heldCount = 0;
        _failed = _skipping = _skipEscaped = _rootIsObject = _afterName = _secondIsUsage = _inCacheCreation = false;
        _rootMember = Member.Other;
        _usageSlot = _countIndex = -1;
        Terminal = false;
    }

    /// <summary>Reads the next chunk of the document.</summary>
    public void Write(ReadOnlySpan<byte> chunk)
    {
        if (_failed)
        {
            return;
        }

        if (_skipping)
        {
            // Inside a long string: only its closing quote matters; the reader is then handed an empty string in its place.
            var end = ClosingQuote(chunk, ref _skipEscaped);
            if (end < 0)
            {
                return;
            }

            _skipping = false;
            Hold("\""u8);
            chunk = chunk[(end + 1)..];
        }

        if (_heldCount == 0)
        {
            Scan(chunk, final: false);
            return;
        }

        Hold(chunk);
        Scan(_held.AsSpan(0, _heldCount), final: false);
    }

    /// <summary>Ends the document; returns the buffer it held.</summary>
    public void Complete()
    {
        if (!_failed && !_skipping && _heldCount > 0)
        {
            Scan(_held.AsSpan(0, _heldCount), final: true);
        }

        _heldCount = 0;
        if (_held.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_held, clearArray: true);
            _held = [];
        }
    }

    /// <summary>
    /// The usage read (the root's <c>usage</c>, else <c>message.usage</c>, else <c>response.usage</c>: input the sum of
    /// <c>prompt_tokens</c>, <c>input_tokens</c> and the cache tokens an <c>anthropic</c> answer reports, output of <c>completion_tokens</c> and
    /// <c>output_tokens</c>); false when none had a count.
    /// </summary>
    public bool TryGetUsage(out long? input, out long? output)
    {
        input = output = null;
        var slot = Array.IndexOf(_seen, true);
        if (slot < 0)
        {
            return false;
        }

        for (var i = 0; i < UsageCounts; i++)
        {
            if (_counts[(slot * CountNames.Length) + i] is { } n)
            {
                if (i < InputCounts)
                {
                    input = (input ?? 0) + n;
                }
                else
                {
                    output = (output ?? 0) + n;
                }
            }
        }

        return input is not null || output is not null;
    }

    /// <summary>
    /// The prompt-cache counts of the usage <see cref="TryGetUsage"/> reads (a part of its input; null when not reported):
    /// the tokens written (<c>cache_creation_input_tokens</c>), of them those written to a 1-hour cache
    /// (<c>cache_creation.ephemeral_1h_input_tokens</c>), and those read (<c>cache_read_input_tokens</c>).
    /// </summary>
    public void GetCacheUsage(out long? written, out long? writtenOneHour, out long? read)
    {
        written = writtenOneHour = read = null;
        var slot = Array.IndexOf(_seen, true);
        if (slot >= 0)
        {
            var at = slot * CountNames.Length;
            (written, writtenOneHour, read) = (_counts[at + CacheWrites], _counts[at + OneHourWrites], _counts[at + CacheReads]);
        }
    }

    private void Scan(ReadOnlySpan<byte> data, bool final)
    {
        var reader = new Utf8JsonReader(data, final, _state);
        try
        {
            while (reader.Read())
            {
                Observe(ref reader);
            }
        }
        catch (JsonException)
        {
            // Not JSON, or not one document: nothing more to read; what was read stands.
            _failed = true;
            return;
        }

        _state = reader.CurrentState;
        Keep(data[(int)reader.BytesConsumed..]);
    }

    // What the reader left of the chunk (an unfinished token, and the separator before it), held for the next one.
    private void Keep(ReadOnlySpan<byte> rest)
    {
        var separator = rest.TrimStart(" \t\r\n"u8);
        var token = separator.IsEmpty || separator[0] is not ((byte)',' or (byte)':') ? separator : separator[1..].TrimStart(" \t\r\n"u8);
        ReadOnlySpan<byte> prefix = separator.Length > token.Length ? separator[..1] : [];
        _skipEscaped = false;
        if (token.Length > MaxHeldBytes)
        {
            if (token[0] != (byte)'"')
            {
                // Only a string is that long in a model's answer.
                _failed = true;
                return;
            }

            if (ClosingQuote(token[1..], ref _skipEscaped) < 0)
            {
                // A long string: skipped to its closing quote (read on from the escape state its held part ended in).
                _skipping = true;
                token = token[..1];
            }
        }

        // The rest may lie in the held buffer itself: copied out first.
        var length = prefix.Length + token.Length;
        if (length == 0)
        {
            _heldCount = 0;
            return;
        }

        var copy = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
        prefix.CopyTo(copy);
        token.CopyTo(copy.AsSpan(prefix.Length));
        _heldCount = 0;
        Hold(copy.AsSpan(0, length));
        ArrayPool<byte>.Shared.Return(copy, clearArray: true);
    }

    private void Hold(ReadOnlySpan<byte> bytes)
    {
        if (_heldCount + bytes.Length > _held.Length)
        {
            var grown = ArrayPool<byte>.Shared.Rent(Math.Max(_heldCount + bytes.Length, Math.Max(256, _held.Length * 2)));
            _held.AsSpan(0, _heldCount).CopyTo(grown);
            if (_held.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_held, clearArray: true);
            }

            _held = grown;
        }

        bytes.CopyTo(_held.AsSpan(_heldCount));
        _heldCount += bytes.Length;
    }

    // Where the string that the bytes continue closes (its unescaped quote), or -1; the escape state carries across calls.
    private static int ClosingQuote(ReadOnlySpan<byte> bytes, ref bool escaped)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            if (escaped)
            {
                escaped = false;
            }
            else if (bytes[i] == (byte)'\\')
            {
                escaped = true;
            }
            else if (bytes[i] == (byte)'"')
            {
                return i;
            }
        }

        return -1;
    }

    private void Observe(ref Utf8JsonReader reader)
    {
        var afterName = _afterName;
        _afterName = false;
        var depth = reader.CurrentDepth;
        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName when _usageSlot >= 0:
                _countIndex = depth == _usageDepth + 1 ? CountIndex(ref reader, _promptCache)
                    : depth == _usageDepth + 2 && _inCacheCreation && reader.ValueTextEquals(CountNames[OneHourWrites]) ? OneHourWrites : -1;
                _afterName = true;
                break;
            case JsonTokenType.PropertyName:
                if (depth == 1)
                {
                    _rootMember = reader.ValueTextEquals("usage"u8) ? Member.Usage : reader.ValueTextEquals("message"u8) ? Member.Message
                        : reader.ValueTextEquals("response"u8) ? Member.Response : reader.ValueTextEquals("type"u8) ? Member.Type : Member.Other;
                }
                else if (depth == 2)
                {
                    _secondIsUsage = reader.ValueTextEquals("usage"u8);
                }

                _afterName = true;
                break;
            case JsonTokenType.StartObject when depth == 0:
                _rootIsObject = true;
                break;
            case JsonTokenType.StartObject when _usageSlot < 0 && afterName && _rootIsObject:
                var slot = depth == 1 && _rootMember == Member.Usage ? 0
                    : depth == 2 && _secondIsUsage && _rootMember == Member.Message ? 1
                    : depth == 2 && _secondIsUsage && _rootMember == Member.Response ? 2
                    : -1;
                if (slot >= 0)
                {
                    _usageSlot = slot;
                    _usageDepth = depth;
                    _inCacheCreation = false;
                    Array.Clear(_reading);
                }

                break;
            case JsonTokenType.StartObject when _usageSlot >= 0 && afterName && _countIndex == CacheCreation && depth == _usageDepth + 1:
                _inCacheCreation = true;
                break;
            case JsonTokenType.EndObject when _inCacheCreation && depth == _usageDepth + 1:
                _inCacheCreation = false;
                break;
            case JsonTokenType.EndObject when _usageSlot >= 0 && depth == _usageDepth:
                // Complete: its counts stand (a later usage object of the same slot replaces them, as a parse keeps the last).
                _reading.CopyTo(_counts, _usageSlot * CountNames.Length);
                _seen[_usageSlot] = true;
                _usageSlot = _countIndex = -1;
                _inCacheCreation = false;
                break;
            case JsonTokenType.Number when _usageSlot >= 0 && afterName && _countIndex >= 0 && depth == _usageDepth + (_inCacheCreation ? 2 : 1):
                // A negative count is no count; each at most the largest ceiling a reservation holds (ModelUsageReader).
                if (reader.TryGetInt64(out var n) && n >= 0)
                {
                    _reading[_countIndex] = Math.Min(n, MaxTokensEstimator.MaxCeiling);
                }

                break;
            case JsonTokenType.String when depth == 1 && afterName && _rootIsObject && _rootMember == Member.Type:
                Terminal = ModelStreamEnd.IsTerminalType(ref reader);
                break;
        }
    }

    // A usage member's count (CountNames), CacheCreation for the object of cache writes by cache, else -1; without
    // promptCache (not Anthropic's API) the cache members are no counts.
    private static int CountIndex(ref Utf8JsonReader reader, bool promptCache)
    {
        for (var i = 0; i < UsageCounts; i++)
        {
            if (reader.ValueTextEquals(CountNames[i]))
            {
                return promptCache || i is not (CacheWrites or CacheReads) ? i : -1;
            }
        }

        return promptCache && reader.ValueTextEquals("cache_creation"u8) ? CacheCreation : -1;
    }
}
