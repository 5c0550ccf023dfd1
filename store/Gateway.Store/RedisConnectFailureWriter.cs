using System.Text;

namespace Gateway.Store;

/// <summary>
/// The log writer handed to StackExchange.Redis's first connect: it keeps only the connection failure
/// it reports (the failure type and the server's error, e.g. <c>AuthenticationFailure: NOAUTH
/// Authentication required.</c>) and drops every other line. The first attempt's failure is not raised
/// as a <c>ConnectionFailed</c> event, and a command issued right after it may carry no inner
/// exception, so this is the one place that always names why the first connect failed.
/// </summary>
/// <remarks>
/// The lines kept are the client's failure summary and the server's error text; neither contains the
/// password (the configuration line, which masks it anyway, is dropped).
/// </remarks>
internal sealed class RedisConnectFailureWriter : TextWriter
{
    private const string FailedMarker = "Connection failed: ";
    private const string DetailMarker = ": > ";
    private const int MaxLength = 512;

    private readonly Lock _gate = new();
    private string? _failureType;
    private string? _failure;
    private bool _detailExpected;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Whether the first connection failure the connect log reported was an authentication failure.</summary>
    public bool IsAuthenticationFailure
    {
        get
        {
            lock (_gate)
            {
                return _failureType == nameof(StackExchange.Redis.ConnectionFailureType.AuthenticationFailure);
            }
        }
    }

    /// <summary>The first connection failure the connect log reported, or null when it reported none.</summary>
    public string? Failure
    {
        get
        {
            lock (_gate)
            {
                return _failure;
            }
        }
    }

    public override void WriteLine(string? value)
    {
        if (value is null)
        {
            return;
        }

        lock (_gate)
        {
            if (_failure is not null && !_detailExpected)
            {
                return;
            }

            var failed = value.IndexOf(FailedMarker, StringComparison.Ordinal);
            if (failed >= 0 && _failure is null)
            {
                _failureType = FailureType(value.AsSpan(failed + FailedMarker.Length));
                _failure = Bounded(_failureType ?? value[(failed + FailedMarker.Length)..]);
                _detailExpected = true;
                return;
            }

            var detail = value.IndexOf(DetailMarker, StringComparison.Ordinal);
            if (_detailExpected && detail >= 0)
            {
                var text = value[(detail + DetailMarker.Length)..].Trim();
                _failure = Bounded(_failureType is null ? text : $"{_failureType}: {text}");
            }

            _detailExpected = false;
        }
    }

    // Only whole lines are read; StackExchange.Redis writes its log a line at a time.
    public override void Write(char value)
    {
    }

    /// <summary>"127.0.0.1:6379 (Interactive, AuthenticationFailure): ..." gives "AuthenticationFailure".</summary>
    private static string? FailureType(ReadOnlySpan<char> summary)
    {
        var open = summary.IndexOf('(');
        var close = summary.IndexOf(')');
        if (open < 0 || close <= open)
        {
            return null;
        }

        var inside = summary[(open + 1)..close];
        var comma = inside.LastIndexOf(',');
        return inside[(comma + 1)..].Trim().ToString() is { Length: > 0 } type ? type : null;
    }

    private static string Bounded(string text) => text.Length <= MaxLength ? text : text[..MaxLength];
}
