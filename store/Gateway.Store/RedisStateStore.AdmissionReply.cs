using System.Buffers;
using System.Buffers.Text;
using StackExchange.Redis;

namespace Gateway.Store;

// The admission script's reply (RedisScripts.Admit), read into each request's outcome.
public sealed partial class RedisStateStore
{
    // The admission script's reply: one bulk string of RedisScripts.ReplyLength integers per request (#52: an array reply
    // would be an object per integer), read into a span, never into a string.
    private AdmissionOutcome[] ToAdmissions(string operation, RedisResult reply, IReadOnlyList<AdmissionRequest> batch) =>
        ToAdmissions(operation, ((ReadOnlyMemory<byte>)(RedisValue)reply).Span, batch);

    // The admission replies of a batch, as text (the admission script's reply, or the tail of the append-and-admit script's).
    private AdmissionOutcome[] ToAdmissions(string operation, ReadOnlySpan<byte> reply, IReadOnlyList<AdmissionRequest> batch)
    {
        var count = RedisScripts.ReplyLength * batch.Count;
        var rented = count > MaxStackNumbers ? ArrayPool<long>.Shared.Rent(count) : null;
        try
        {
            var numbers = rented is null ? stackalloc long[MaxStackNumbers] : rented.AsSpan();
            numbers = numbers[..count];
            if (!TryReadNumbers(reply, numbers))
            {
                // Fail closed: a reply of another shape admits nobody.
                throw Record(operation, new StateStoreUnavailableException($"Redis answered {operation} with a reply of another shape than {count} integers."));
            }

            var outcomes = new AdmissionOutcome[batch.Count];
            for (var i = 0; i < outcomes.Length; i++)
            {
                outcomes[i] = ToAdmission(numbers.Slice(RedisScripts.ReplyLength * i, RedisScripts.ReplyLength), batch[i]);
            }

            return outcomes;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<long>.Shared.Return(rented);
            }
        }
    }

    // A batch of up to this many requests' replies is read on the stack (16 requests, 2 KiB).
    private const int MaxStackNumbers = 16 * RedisScripts.ReplyLength;

    // Exactly numbers.Length decimal integers, each followed by one space but the last.
    private static bool TryReadNumbers(ReadOnlySpan<byte> text, Span<long> numbers)
    {
        for (var i = 0; i < numbers.Length; i++)
        {
            if (!Utf8Parser.TryParse(text, out numbers[i], out var consumed))
            {
                return false;
            }

            text = text[consumed..];
            if (i < numbers.Length - 1)
            {
                if (text.IsEmpty || text[0] != (byte)' ')
                {
                    return false;
                }

                text = text[1..];
            }
        }

        return text.IsEmpty;
    }

    // One request's RedisScripts.ReplyLength values.
    private static AdmissionOutcome ToAdmission(ReadOnlySpan<long> reply, AdmissionRequest request) =>
        new(reply[0] == 1, (uint)reply[1], ToOutcome((int)reply[2], reply[3]))
        {
            Budget = reply[4] < 0 || request.Budget is not { } asked ? null
                : new BudgetOutcome(reply[4] == 1, reply[5], asked.Limit, TimeSpan.FromMilliseconds(reply[6]), reply[7]),
            Token = reply[8] < 0 || request.Token is not { } token ? null : ToToken(reply[8..], token),
            Counters = ToCounters(reply[RedisScripts.CounterReplyOffset..], request.Counters.Count),
        };

    // The counters' code (-2 not asked or not tried, -1 reserved, else the refused index), then their values.
    private static CounterOutcome? ToCounters(ReadOnlySpan<long> reply, int count)
    {
        var code = reply[0];
        if (code < -1)
        {
            return null;
        }

        return new CounterOutcome((int)code, reply.Slice(1, count).ToArray());
    }

    private static TokenRecordingOutcome ToToken(ReadOnlySpan<long> reply, TokenRecording token)
    {
        var generations = reply.Slice(1, token.GenerationKeys.Count).ToArray();
        var consumption = reply[0] switch
        {
            1 => TokenConsumption.Consumed,
            2 => TokenConsumption.AlreadyUsed,
            3 => TokenConsumption.NotRecorded,
            _ => TokenConsumption.NotAsked,
        };
        return new TokenRecordingOutcome(generations, consumption);
    }
}
