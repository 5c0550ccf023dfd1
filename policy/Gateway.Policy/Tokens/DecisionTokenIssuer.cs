using Gateway.Policy.Serialization;

namespace Gateway.Policy.Tokens;

/// <summary>
/// Issues decision tokens <c>v1.&lt;base64url(payload JSON)&gt;.&lt;base64url(HMAC-SHA256(key, "v1." + payload part))&gt;</c>
/// (<see cref="MacToken"/>, version <c>v1</c>) for allow, allow_and_log and degrade decisions only.
/// </summary>
public sealed class DecisionTokenIssuer
{
    /// <summary>The longest lifetime the protocol allows.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromSeconds(300);

    private static ReadOnlySpan<byte> PrefixUtf8 => "v1."u8;

    private readonly HmacKey _key;
    private readonly TimeProvider _time;
    private readonly TimeSpan _lifetime;
    private readonly DecisionTokenBinding? _binding;

    /// <param name="key">The decision signing key (at least 32 bytes; distinct from every other secret).</param>
    /// <param name="time">The clock.</param>
    /// <param name="lifetime">Token lifetime, at most <see cref="MaxLifetime"/> (the default).</param>
    /// <param name="binding">The binding every token carries as its last claim (the gateway always gives one); null for none.</param>
    public DecisionTokenIssuer(ReadOnlySpan<byte> key, TimeProvider time, TimeSpan? lifetime = null, DecisionTokenBinding? binding = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (key.Length < 32)
        {
            throw new ArgumentException("The decision signing key must be at least 32 bytes.", nameof(key));
        }

        var effective = lifetime ?? MaxLifetime;
        if (effective <= TimeSpan.Zero || effective > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), effective, "A decision token lives more than 0 and at most 300 seconds.");
        }

        _key = new HmacKey(key);
        _time = time;
        _lifetime = effective;
        _binding = binding;
    }

    /// <summary>The lifetime of every token this issuer signs.</summary>
    public TimeSpan Lifetime => _lifetime;

    /// <summary>
    /// Issues the token of <paramref name="decision"/> under <paramref name="grant"/>: for an allow, allow_and_log or
    /// degrade decision; an evaluation's token (<see cref="DecisionTokenGrant.Evaluation"/>) says so
    /// (<see cref="DecisionTokenPayload.Evaluation"/>). Throws for any other decision.
    /// </summary>
    public string Issue(Decision decision, DecisionTokenGrant grant)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(grant);
        if (!decision.IsAllowFamily || decision.Descriptor is null)
        {
            throw new InvalidOperationException($"Decision tokens are issued only for allow, allow_and_log or degrade decisions about a catalog tool, not '{WireNames.Of(decision.Kind)}'.");
        }

        var d = decision.Descriptor;
        return Issue(d.Tenant, d.Agent, d.Tool, d.IntentDigest, decision.Kind, decision.Kind == DecisionKind.Degrade ? decision.Degrade?.Mode : null, grant, grant.Evaluation, decision.PolicyDigest);
    }

    /// <summary>Issues a token for <paramref name="decision"/> with a fresh id and generation 0; throws unless <see cref="Decision.MayExecute"/>.</summary>
    public string Issue(Decision decision)
    {
        ArgumentNullException.ThrowIfNull(decision);
        if (!decision.MayExecute || decision.Descriptor is null)
        {
            throw new InvalidOperationException($"Decision tokens are issued only for executable allow, allow_and_log or degrade decisions, not '{WireNames.Of(decision.Kind)}'{(decision.EvaluateOnly ? " (evaluate-only)" : string.Empty)}.");
        }

        return Issue(decision, new DecisionTokenGrant(DecisionTokenGrant.NewTokenId(), 0, 0));
    }

    /// <summary>Issues a token from its parts, with a fresh id and generation 0; throws for decisions outside the allow family.</summary>
    public string Issue(string tenant, string agent, string tool, string intentDigest, DecisionKind decision, DegradeMode? degradeMode = null) =>
        Issue(tenant, agent, tool, intentDigest, decision, degradeMode, new DecisionTokenGrant(DecisionTokenGrant.NewTokenId(), 0, 0), evaluation: false, policyDigest: null);

    private string Issue(string tenant, string agent, string tool, string intentDigest, DecisionKind decision, DegradeMode? degradeMode, DecisionTokenGrant grant, bool evaluation, string? policyDigest)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentException.ThrowIfNullOrEmpty(intentDigest);
        ArgumentException.ThrowIfNullOrEmpty(grant.TokenId);
        if (decision is not (DecisionKind.Allow or DecisionKind.AllowAndLog or DecisionKind.Degrade))
        {
            throw new InvalidOperationException($"Decision tokens are never issued for '{WireNames.Of(decision)}'.");
        }

        if (decision == DecisionKind.Degrade && degradeMode is null)
        {
            throw new ArgumentException("A degrade token must name its reduced form.", nameof(degradeMode));
        }

        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var payload = new DecisionTokenPayload
        {
            Tenant = tenant,
            Agent = agent,
            Tool = tool,
            IntentDigest = intentDigest,
            Decision = decision,
            IssuedAt = now,
            ExpiresAt = now + (long)_lifetime.TotalSeconds,
            TokenId = grant.TokenId,
            Record = grant.Record,
            DegradeMode = decision == DecisionKind.Degrade ? degradeMode : null,
            TenantGeneration = grant.TenantGeneration,
            AgentGeneration = grant.AgentGeneration,
            PolicyDigest = policyDigest,
            RequestId = grant.RequestId,
            ApprovalId = grant.ApprovalId,
            Evaluation = evaluation ? true : null,
            ActorChain = grant.ActorChain,
            Run = grant.Run,
        };

        // The payload is signed and encoded at once: serialised into the thread's buffer, not an array of its own, and
        // bound (its last claim) on the stack.
        var json = ThreadJson.Serialize(payload, PolicyJsonContext.Default.DecisionTokenPayload);
        if (_binding is null)
        {
            return MacToken.Sign(_key, PrefixUtf8, json);
        }

        var length = DecisionTokenBinding.BoundLength(json.Length);
        var bound = length <= 1024 ? stackalloc byte[length] : new byte[length];
        _binding.Bind(json, bound);
        return MacToken.Sign(_key, PrefixUtf8, bound);
    }
}
