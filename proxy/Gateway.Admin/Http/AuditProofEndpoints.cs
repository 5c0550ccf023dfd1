using System.Globalization;
using Gateway.Audit;
using Gateway.Audit.Evidence;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Policy.Evidence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/audit/…</c> of the Merkle audit log (auditor or admin, like the other audit routes):
/// a signed checkpoint now (<c>checkpoint</c>), the checkpoints published at each interval (<c>checkpoints</c>), a
/// record's inclusion proof by seq or request id (<c>proof/inclusion</c>) and the consistency proof between two tree
/// sizes (<c>proof/consistency</c>). <c>?replica=</c> names the chain (default: the answering replica's). A chain whose
/// stored lines are not whole where a proof or checkpoint needs them answers 409 <c>audit_chain_broken</c>.
/// </summary>
internal static class AuditProofEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/audit").WithMetadata(new AdminRolesMetadata(AdminRoles.Auditor, AdminRoles.Admin));
        group.MapGet("/checkpoint", CheckpointAsync);
        group.MapGet("/checkpoints", Checkpoints);
        group.MapGet("/proof/inclusion", InclusionAsync);
        group.MapGet("/proof/consistency", ConsistencyAsync);
        group.MapPost("/evidence-manifest", SignManifestAsync);
    }

    /// <summary>
    /// Signs an evidence pack's manifest digest with the receipt key (<c>gatewayctl evidence export</c> has no key of its
    /// own): <c>{"signature":"&lt;JWS gamut-evidence-manifest+jws&gt;"}</c>. The gateway signs only a digest for the
    /// caller's tenant; what the pack holds is proven by its checkpoint, proofs and receipts, not by this signature. Each
    /// signing is written to the tenant's audit chain first (<c>admin.evidence.sign_manifest</c>, the digest in
    /// <c>connector</c>, the token's name as <c>actor</c>): a journal that cannot record it signs nothing (503
    /// <c>audit_unavailable</c>).
    /// </summary>
    private static async Task<IResult> SignManifestAsync(HttpContext context, string tenant, ReceiptKeyRing keys, TimeProvider time)
    {
        var (body, error) = await AdminBody.ReadAsync(context, AdminJsonContext.Default.EvidenceManifestRequest).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        if (!EvidenceManifestSignature.IsDigest(body!.ManifestSha256))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "manifest_sha256 must be 64 lowercase hex digits.");
        }

        await AdminActionAudit.RecordAsync(context, tenant, "evidence.sign_manifest", subject: body.ManifestSha256).ConfigureAwait(false);
        var signature = new EvidenceManifestSignature { Tenant = tenant, ManifestSha256 = body.ManifestSha256!, Time = time.GetUtcNow() }.Sign(keys.Active);
        return Results.Json(new Dictionary<string, string> { ["signature"] = signature }, AdminJsonContext.Default.DictionaryStringString);
    }

    private static Task<IResult> CheckpointAsync(HttpContext context, string tenant, AuditJournal journal, AuditProofs proofs) =>
        AnswerAsync(context, async () =>
        {
            var partition = Partition(context, tenant, journal);
            var size = OptionalSize(context, "tree_size");
            return EvidenceJson.Checkpoint(await proofs.CheckpointAsync(partition, size, context.RequestAborted).ConfigureAwait(false));
        });

    private static Task<IResult> Checkpoints(HttpContext context, string tenant, AuditJournal journal, CheckpointPublisher publisher) =>
        AnswerAsync(context, () => ValueTask.FromResult(EvidenceJson.Checkpoints(publisher.Published(Partition(context, tenant, journal)))));

    private static Task<IResult> InclusionAsync(HttpContext context, string tenant, AuditJournal journal, AuditProofs proofs) =>
        AnswerAsync(context, async () =>
        {
            var size = OptionalSize(context, "tree_size");
            var seq = OptionalSize(context, "seq");
            var requestId = context.Request.Query["request_id"];
            AuditPartition partition;
            if (seq is not null == (requestId.Count == 1))
            {
                throw new AuditProofException(ProblemCodes.InvalidQuery, "Give exactly one of seq and request_id.");
            }

            if (seq is { } given)
            {
                partition = Partition(context, tenant, journal);
            }
            else if (requestId[0] is not { } id || !AdminQuery.IsText(id))
            {
                throw new AuditProofException(ProblemCodes.InvalidQuery, "request_id must be 1..256 characters, no control characters.");
            }
            else if (await proofs.FindAsync(tenant, id, context.RequestAborted).ConfigureAwait(false) is { } found)
            {
                (partition, given) = found;
            }
            else
            {
                throw new AuditProofException("record_not_found", "No record names that request id.");
            }

            return await proofs.InclusionJsonAsync(partition, given, size, context.RequestAborted).ConfigureAwait(false);
        });

    private static Task<IResult> ConsistencyAsync(HttpContext context, string tenant, AuditJournal journal, AuditProofs proofs) =>
        AnswerAsync(context, async () =>
        {
            var partition = Partition(context, tenant, journal);
            var first = OptionalSize(context, "first") ?? throw new AuditProofException(ProblemCodes.InvalidQuery, "first (a tree size) is required.");
            var second = OptionalSize(context, "second");
            return EvidenceJson.Consistency(await proofs.ConsistencyAsync(partition, first, second, context.RequestAborted).ConfigureAwait(false));
        });

    private static async Task<IResult> AnswerAsync(HttpContext context, Func<ValueTask<byte[]>> answer)
    {
        try
        {
            return Results.Bytes(await answer().ConfigureAwait(false), "application/json");
        }
        catch (AuditProofException ex)
        {
            var status = ex.Code switch
            {
                "record_not_found" => StatusCodes.Status404NotFound,
                "record_retired" => StatusCodes.Status410Gone,
                AuditProofs.ChainBroken => StatusCodes.Status409Conflict,
                _ => StatusCodes.Status400BadRequest,
            };
            return AdminProblem.Create(context, status, ex.Code, ex.Message);
        }
        catch (AuditTreeIncompleteException ex)
        {
            return AdminProblem.Create(context, StatusCodes.Status409Conflict, "audit_tree_incomplete", ex.Message);
        }
    }

    // The chain a proof is asked of (its replica id well formed; AuditProofs refuses one the tenant has no chain of).
    private static AuditPartition Partition(HttpContext context, string tenant, AuditJournal journal)
    {
        var replica = context.Request.Query["replica"];
        if (replica.Count > 1 || (replica.Count == 1 && !AuditPartition.IsValidReplica(replica[0])))
        {
            throw new AuditProofException(ProblemCodes.InvalidQuery, "replica must be one replica id (lowercase letters, digits, '-').");
        }

        return new AuditPartition(tenant, replica.Count == 1 ? replica[0]! : journal.Replica);
    }

    private static long? OptionalSize(HttpContext context, string name)
    {
        var raw = context.Request.Query[name];
        if (raw.Count == 0)
        {
            return null;
        }

        return raw.Count == 1 && long.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new AuditProofException(ProblemCodes.InvalidQuery, name + " must be one non-negative integer.");
    }
}
