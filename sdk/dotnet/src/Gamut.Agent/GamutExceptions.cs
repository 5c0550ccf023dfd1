using System.Text.Json;

namespace Gamut.Agent;

/// <summary>
/// The base of every SDK error: the action did not proceed (or, for <see cref="GamutUpstreamException"/>,
/// its upstream failed). <see cref="Code"/> is the gateway's stable problem code where there is one.
/// </summary>
public class GamutException : Exception
{
    public GamutException(string message, string code = "gamut_error", int? status = null, string? decision = null, JsonElement? explanation = null,
        string? requestId = null, JsonElement? problem = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Status = status;
        Decision = decision;
        Explanation = explanation;
        RequestId = requestId;
        Problem = problem;
    }

    public string Code { get; }

    public int? Status { get; }

    public string? Decision { get; }

    public JsonElement? Explanation { get; }

    public string? RequestId { get; }

    public JsonElement? Problem { get; }

    /// <summary>For an A2A call refused in JSON-RPC (<c>/a2a/{connector}</c>): the JSON-RPC error code.</summary>
    public int? RpcCode { get; init; }

    /// <summary>The explanation's <c>what_would_change</c>, for showing a person or a model why.</summary>
    public IReadOnlyList<string> Remedies =>
        Explanation is { ValueKind: JsonValueKind.Object } e && e.TryGetProperty("what_would_change", out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(r => r.GetString() ?? string.Empty)]
            : [];
}

/// <summary>Configuration other than the five GAMUT_* values, or provider configuration, at construction.</summary>
public sealed class GamutConfigurationException(string message) : GamutException(message, "configuration_refused");

/// <summary>Secret material or provider configuration in a payload, refused before anything was sent.</summary>
public sealed class GamutSecretMaterialException(IReadOnlyList<SecretFinding> findings)
    : GamutException($"Refused before sending: secret material or provider configuration at {string.Join(", ", findings.Select(f => $"{f.Path} ({f.Kind})"))}.", "secret_material_in_payload")
{
    public IReadOnlyList<SecretFinding> Findings { get; } = findings;
}

/// <summary>
/// The gateway answered with a non-2xx status (the subclasses name the common cases); every one carries the answer's
/// <c>decision</c> and <c>explanation</c> when it has them. A redirect (3xx) is one too: a signed request is never followed to another URL.
/// </summary>
public class GamutHttpException(string message, string code, int? status, string? decision = null, JsonElement? explanation = null,
    string? requestId = null, JsonElement? problem = null, Exception? innerException = null, TimeSpan? retryAfter = null)
    : GamutException(message, code, status, decision, explanation, requestId, problem, innerException)
{
    /// <summary>The answer's <c>Retry-After</c>, on any status (a 429, a 503 <c>store_unavailable</c>, …); null when it names none.</summary>
    public TimeSpan? RetryAfter { get; internal set; } = retryAfter;
}

/// <summary>401: a stale, wrong or revoked credential, or a replayed or expired signature.</summary>
public sealed class GamutAuthenticationException(string message, string code, int status, string? requestId, JsonElement? problem,
    string? decision = null, JsonElement? explanation = null)
    : GamutHttpException(message, code, status, decision, explanation, requestId, problem);

/// <summary>A denial: block or block_and_open_incident (403), or any decision that does not allow.</summary>
public sealed class GamutDeniedException(string message, string code, int status, string? decision, JsonElement? explanation, string? requestId = null, JsonElement? problem = null)
    : GamutHttpException(message, code, status, decision, explanation, requestId, problem);

/// <summary>409: a named human must approve; <see cref="ApprovalId"/> is the request to wait on.</summary>
public sealed class GamutApprovalRequiredException(string message, string code, string? decision, JsonElement? explanation, string? requestId, JsonElement? problem, string approvalId)
    : GamutHttpException(message, code, 409, decision, explanation, requestId, problem)
{
    public string ApprovalId { get; } = approvalId;

    /// <summary>For a held A2A message: its <c>messageId</c>, to resend with the warrant (<see cref="A2aMessage.Warrant"/>).</summary>
    public string? MessageId { get; init; }
}

/// <summary>429: a rate limit or budget is exhausted.</summary>
public sealed class GamutRateLimitedException(string message, string code, string? requestId, JsonElement? problem, TimeSpan? retryAfter,
    string? decision = null, JsonElement? explanation = null)
    : GamutHttpException(message, code, 429, decision, explanation, requestId, problem, retryAfter: retryAfter);

/// <summary>200 but <c>invoked: false</c>: the connector was not called.</summary>
public sealed class GamutNotInvokedException(string message, string decision, JsonElement? explanation)
    : GamutException(message, "not_invoked", 200, decision, explanation);

/// <summary>The connector ran and its upstream answered a non-2xx status.</summary>
public sealed class GamutUpstreamException(string message, string decision, JsonElement? explanation, int upstreamStatus, JsonElement? result)
    : GamutException(message, "upstream_error", 200, decision, explanation)
{
    public int UpstreamStatus { get; } = upstreamStatus;

    public JsonElement? Result { get; } = result;
}

/// <summary>No answer within the timeout. The call is not retried: the action may or may not have run.</summary>
public sealed class GamutTimeoutException(string message, Exception innerException) : GamutException(message, "timeout", innerException: innerException);

/// <summary>A token or answer naming another tenant, agent, tool or approval than the one asked about.</summary>
public sealed class GamutIdentityMismatchException(string message) : GamutException(message, "identity_mismatch");

/// <summary>An answer that is not the protocol's.</summary>
public sealed class GamutProtocolException(string message) : GamutException(message, "protocol_error");

/// <summary>The approval was denied by its approvers.</summary>
public sealed class GamutApprovalDeniedException(string message) : GamutException(message, "approval_denied");

/// <summary>The approval request expired before it was approved.</summary>
public sealed class GamutApprovalExpiredException(string message) : GamutException(message, "approval_expired");

/// <summary>The caller's deadline passed while the approval was still pending.</summary>
public sealed class GamutApprovalTimeoutException(string message) : GamutException(message, "approval_deadline");

/// <summary>
/// 409 <c>run_ended</c>: the run the request belongs to has ended (completed or failed); nothing more may be done in it.
/// <see cref="RunId"/> names the run, <see cref="RunStatus"/> how it ended, <see cref="EndedBy"/> who ended it when the problem names it (this gateway records that in the run's story and never answers it).
/// </summary>
public class GamutRunEndedException(string message, string code, string? requestId, JsonElement? problem,
    string? decision = null, JsonElement? explanation = null)
    : GamutHttpException(message, code, 409, decision, explanation, requestId, problem)
{
    public string? RunId => ProblemText("run_id");

    public string? RunStatus => ProblemText("run_status");

    public string? EndedBy => ProblemText("ended_by");

    private string? ProblemText(string name) =>
        Problem is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>
/// 409 <c>run_cancelled</c>: an operator (or the agent) cancelled the run; the action was refused and nothing more may be
/// done in it. <see cref="GamutRunEndedException.RunId"/> names the run; <see cref="CancelledBy"/> who cancelled it
/// (<c>admin:&lt;name&gt;</c>, <c>agent:&lt;id&gt;</c>) when the problem names it.
/// </summary>
public sealed class GamutRunCancelledException(string message, string code, string? requestId, JsonElement? problem,
    string? decision = null, JsonElement? explanation = null)
    : GamutRunEndedException(message, code, requestId, problem, decision, explanation)
{
    public string? CancelledBy => EndedBy;
}
