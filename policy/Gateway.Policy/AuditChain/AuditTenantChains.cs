using System.Globalization;
using System.Text.Json;

namespace Gateway.Policy.AuditChain;

/// <summary>
/// One tenant's audit chains checked stored line by stored line: the one check shared by the gateway's
/// <c>audit verify</c> (a chain as its sink stores it, from the sink's anchor: <see cref="ForStoredChain"/>) and the
/// offline <c>gatewayctl audit verify --file</c> (every chain of an export: <see cref="ForExport"/>). A line must be a
/// record (<see cref="AuditChainLink.TryParse"/>) of the tenant and the next link of its replica's chain
/// (<see cref="AuditChainLink.Follow"/>). In an export, an anchor line (<see cref="AuditAnchorLine"/>) before a
/// replica's first record starts that chain after the retired records; a sink keeps its anchor apart, so in a
/// stored chain every line is a record. A record that refers to its explanation by digest
/// (<see cref="AuditExplanationLine"/>) follows only when that explanation is known and hashes to the digest: in an
/// export from an explanation line before it, for a stored chain from the sink (<see cref="AddExplanation"/>).
/// </summary>
public sealed class AuditTenantChains
{
    private readonly SortedDictionary<string, AuditChainLink> _chains = new(StringComparer.Ordinal);
    private readonly Dictionary<string, bool> _explanations = new(StringComparer.Ordinal);
    private readonly Func<JsonElement, long, (string Reason, string Detail)?> _checkExplanation;
    private readonly bool _isExport;

    private AuditTenantChains(string? tenant, bool isExport)
    {
        Tenant = tenant;
        _isExport = isExport;
        _checkExplanation = CheckExplanation;
    }

    /// <summary>The tenant every line must name (in an export, the first line's; null before it).</summary>
    public string? Tenant { get; private set; }

    /// <summary>The decisions of the records checked so far that have no outcome record ("outcome unknown": not a break).</summary>
    public AuditOutcomeTally Outcomes { get; } = new();

    /// <summary>Each replica's chain so far, in ordinal replica order.</summary>
    public IReadOnlyDictionary<string, AuditChainLink> Chains => _chains;

    /// <summary>
    /// The chains of an export: the tenant is the first line's, and each replica's chain starts at genesis or at
    /// the anchor line before its first record.
    /// </summary>
    public static AuditTenantChains ForExport() => new(null, isExport: true);

    /// <summary>
    /// The one chain of <paramref name="tenant"/> and <paramref name="replica"/> as a sink stores it, after record
    /// <paramref name="anchorSeq"/> (0: genesis) whose hash is <paramref name="anchorHash"/>: a line of another
    /// replica is a <see cref="AuditBreakReasons.ReplicaMismatch"/>.
    /// </summary>
    public static AuditTenantChains ForStoredChain(string tenant, string replica, long anchorSeq, string anchorHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        var chains = new AuditTenantChains(tenant, isExport: false);
        chains._chains[replica] = new AuditChainLink(replica, anchorSeq, anchorHash);
        return chains;
    }

    /// <summary>
    /// Makes the explanation stored under <paramref name="digest"/> known (JSON text as stored): records that refer
    /// to it follow when it hashes to the digest, and break with <see cref="AuditBreakReasons.ExplanationAltered"/>
    /// when it does not. An explanation never added is missing (<see cref="AuditBreakReasons.ExplanationMissing"/>).
    /// </summary>
    public void AddExplanation(string digest, string explanation)
    {
        ArgumentNullException.ThrowIfNull(digest);
        Remember(digest, AuditExplanationLine.Matches(explanation, digest));
    }

    /// <summary>Whether the explanation stored under <paramref name="digest"/> was added (<see cref="AddExplanation"/>), intact or not.</summary>
    public bool KnowsExplanation(string digest) => _explanations.ContainsKey(digest);

    /// <summary>
    /// Checks the next stored line: null when it follows (or, in an export, starts a chain at its anchor, or gives an
    /// explanation); else one of <see cref="AuditBreakReasons"/> with a detail, and the chains stay where they were.
    /// </summary>
    public (string Reason, string Detail)? Check(string line)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException)
        {
            return (AuditBreakReasons.MalformedRecord, "not JSON");
        }

        using (document)
        {
            var root = document.RootElement;
            if (_isExport && AuditExplanationLine.TryRead(root, out var explanationTenant, out var digest, out var explanation))
            {
                Tenant ??= explanationTenant;
                if (!string.Equals(explanationTenant, Tenant, StringComparison.Ordinal))
                {
                    return (AuditBreakReasons.TenantMismatch, $"explanation names tenant '{explanationTenant}', not '{Tenant}'");
                }

                Remember(digest, AuditExplanationLine.Matches(explanation, digest));
                return null;
            }

            if (!AuditChainLink.TryReadHead(root, out var seq, out var tenant, out var replica, out var hash))
            {
                return (AuditBreakReasons.MalformedRecord, "missing seq, tenant, replica or hash");
            }

            Tenant ??= tenant;
            if (!string.Equals(tenant, Tenant, StringComparison.Ordinal))
            {
                return (AuditBreakReasons.TenantMismatch, $"record names tenant '{tenant}', not '{Tenant}'");
            }

            if (_isExport && AuditAnchorLine.IsAnchor(root))
            {
                if (_chains.ContainsKey(replica) || seq < 1)
                {
                    return (AuditBreakReasons.MalformedRecord, $"an anchor must start replica {replica}'s records and name seq >= 1");
                }

                _chains[replica] = new AuditChainLink(replica, seq, hash);
                return null;
            }

            if (!_chains.TryGetValue(replica, out var chain))
            {
                if (!_isExport)
                {
                    return (AuditBreakReasons.ReplicaMismatch, $"record names replica '{replica}'");
                }

                chain = _chains[replica] = new AuditChainLink(replica);
            }

            var broken = chain.Follow(root, seq, hash, _checkExplanation);
            if (broken is null)
            {
                Outcomes.Observe(root);
            }

            return broken;
        }
    }

    // A digest given twice (two explanation lines) is intact only when both are.
    private void Remember(string digest, bool intact) => _explanations[digest] = intact && _explanations.GetValueOrDefault(digest, true);

    // Runs once a record's link and seal hold: the explanation it refers to must be known and intact.
    private (string Reason, string Detail)? CheckExplanation(JsonElement record, long seq)
    {
        string? digest;
        try
        {
            digest = AuditExplanationLine.ReferencedDigest(record);
        }
        catch (FormatException ex)
        {
            return (AuditBreakReasons.MalformedRecord, ex.Message);
        }

        if (digest is null)
        {
            return null;
        }

        var replica = record.GetProperty("replica").GetString();
        return _explanations.TryGetValue(digest, out var intact)
            ? intact ? null : (AuditBreakReasons.ExplanationAltered, string.Create(CultureInfo.InvariantCulture, $"replica {replica} seq {seq}: explanation {digest} does not hash to its digest (altered)"))
            : (AuditBreakReasons.ExplanationMissing, string.Create(CultureInfo.InvariantCulture, $"replica {replica} seq {seq}: explanation {digest} is missing"));
    }
}
