namespace Gateway.Proxy.Configuration;

/// <summary>The gateway's own settings (section <c>Gateway</c>), validated at start-up.</summary>
public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    public PolicySettings Policy { get; set; } = new();

    public AuthenticationSettings Authentication { get; set; } = new();

    public LimitSettings Limits { get; set; } = new();

    /// <summary><c>Gateway:DecisionTokens</c>.</summary>
    public DecisionTokenSettings DecisionTokens { get; set; } = new();

    /// <summary><c>Gateway:Admission</c>.</summary>
    public AdmissionSettings Admission { get; set; } = new();

    /// <summary><c>Gateway:NativeHeap</c>.</summary>
    public NativeHeapSettings NativeHeap { get; set; } = new();

    /// <summary><c>Gateway:Webhooks</c>.</summary>
    public WebhookSettings Webhooks { get; set; } = new();

    /// <summary>Where the policy bundle lives and how it is watched.</summary>
    public sealed class PolicySettings
    {
        /// <summary>A directory of YAML files, one per tenant.</summary>
        public string BundlePath { get; set; } = string.Empty;

        /// <summary>How long a changed file must stay unchanged before it is reloaded.</summary>
        public TimeSpan ReloadDebounce { get; set; } = TimeSpan.FromMilliseconds(250);
    }

    /// <summary>The signed-request rules of the agent protocol.</summary>
    public sealed class AuthenticationSettings
    {
        /// <summary>A timestamp further than this from the gateway's clock is refused (protocol: 300 s).</summary>
        public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(300);

        /// <summary>
        /// How long a nonce is remembered (protocol: at least 600 s). It must outlive the whole window a
        /// timestamp is accepted in (twice <see cref="MaxClockSkew"/>) plus a margin, so 605 s by default.
        /// </summary>
        public TimeSpan NonceLifetime { get; set; } = TimeSpan.FromSeconds(605);

        /// <summary>
        /// On the Redis store, a replica whose clock is further than this from Redis's (<c>TIME</c> on each primary) is not
        /// ready. Replicas share nonces: two whose clocks are further apart than the nonce lifetime's margin over the
        /// timestamp window (<see cref="NonceLifetime"/> less twice <see cref="MaxClockSkew"/>, 5 s by default) could take
        /// a request replayed after its nonce expired. At most half that margin, so that any two ready replicas agree within
        /// it; 2.5 s by default.
        /// </summary>
        public TimeSpan MaxStoreClockSkew { get; set; } = TimeSpan.FromSeconds(2.5);

        /// <summary>How often a replica's clock is compared with the Redis store's (and at start-up).</summary>
        public TimeSpan StoreClockCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
    }

    /// <summary>Bounds on what a client may send.</summary>
    public sealed class LimitSettings
    {
        /// <summary>The largest body accepted on any agent route (a connector may set a lower one).</summary>
        public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

        /// <summary>A client that has not sent its whole body within this time is refused (slow clients).</summary>
        public TimeSpan BodyReadTimeout { get; set; } = TimeSpan.FromSeconds(10);
    }

    public sealed class DecisionTokenSettings
    {
        /// <summary>
        /// How long a decision token lives (more than 0, at most 300 s, the default). Each token's record is kept in the
        /// state store this long plus 5 s, so a shorter lifetime also bounds the store's memory: about requests per
        /// second × (lifetime + 5 s) records.
        /// </summary>
        public TimeSpan Lifetime { get; set; } = Gateway.Policy.Tokens.DecisionTokenIssuer.MaxLifetime;
    }

    /// <summary>How a request's admission reaches the state store.</summary>
    public sealed class AdmissionSettings
    {
        /// <summary>
        /// When on, an allowed request's admission (nonce, switches, limits, budget, token record) is made in the same store
        /// call as its decision record, decided on this replica's last view of the agent's switches and token
        /// generations: one store round trip before forwarding instead of two. Where the view is unknown (an agent's
        /// first request here), the request is delegated, acts in a run or presents an evaluation's token, or the audit
        /// sink is not the state store, the admission is made first, as when off.
        /// </summary>
        public bool WithDecisionRecord { get; set; } = true;

        /// <summary>
        /// When on, a model call's token-budget settle is made in the same store call as its outcome record, once the answer
        /// is complete (a store call fewer per model call); where the audit sink is not the state store, or the connector
        /// asks for its outcome before the response, it is its own call, as when off.
        /// </summary>
        public bool SettleWithOutcome { get; set; } = true;
    }

    /// <summary>The C library's heap, which the runtime, the JIT and OpenSSL allocate from.</summary>
    public sealed class NativeHeapSettings
    {
        /// <summary>
        /// How often the free pages the C library keeps in its arenas are given back to the system (glibc's
        /// <c>malloc_trim</c>); zero: never. Measured: 13 MiB of a replica's RSS were such pages (docs/performance.md, "Memory").
        /// </summary>
        public TimeSpan TrimInterval { get; set; } = TimeSpan.FromMinutes(1);
    }

    /// <summary>How the gateway signs its calls to webhook connectors.</summary>
    public sealed class WebhookSettings
    {
        /// <summary>
        /// <c>Tenant</c> (the default): with each tenant's own key (<see cref="Gateway.Policy.Tokens.WebhookKey"/>), so that one
        /// tenant's receivers cannot sign calls another's accept; <c>Shared</c>: with the service key itself, as receivers set
        /// up with it verify.
        /// </summary>
        public WebhookKeyScope Keys { get; set; } = WebhookKeyScope.Tenant;
    }
}
