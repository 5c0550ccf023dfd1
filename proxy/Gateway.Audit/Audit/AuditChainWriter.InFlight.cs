using Gateway.Store;

namespace Gateway.Audit;

// Gateway:Evidence:SignInFlight: the group's store call goes first, with no receipt batch; its receipts are signed while
// Redis runs it, and their batches stored by a call of their own sent right after it on the same connection, which stores
// them only at the length the group leaves the chain: after the group, before any later one, so that no batch is kept for a
// group that was not appended and the batches stay in seq order. An agent is given its receipt only once both calls are
// answered, as when the batch rides the group's call.
// Not before this writer's first group is appended, nor after a group failed until one is again: the sink registers the
// chain and opens its connection on those first calls, where the two calls could pass each other.
internal sealed partial class AuditChainWriter
{
    private readonly bool _signInFlight;

    // The finishes': whether the groups sealed now are signed in flight (set only where _signInFlight is).
    private bool _signingInFlight;

    // The group's call, its receipts signed while it is in flight, then their batches' call; a group whose receipts cannot
    // be signed or stored is still appended, its appends that asked for a receipt failed (their requests refused).
    private ValueTask<bool> SendSigningInFlight(Group group)
    {
        var call = AppendGroupAsync(group, ToStore(group));
        if (SignReceipts(group, group.Apart) is { } signingFailed)
        {
            FailAsked(group.Pendings, signingFailed);
            return call;
        }

        return group.Apart.Count == 0 ? call : BothAsync(group, call, StoreApart(group));
    }

    // The group's call's answer, once its batches are stored: when their call ran before the group's (the two took
    // different ways, the connection opened again), once more now that the group is appended; not stored then, the appends
    // that asked for a receipt fail.
    private async ValueTask<bool> BothAsync(Group group, ValueTask<bool> call, ValueTask<AppendAdmission> stored)
    {
        var notStored = await NotStoredAsync(stored).ConfigureAwait(false);
        var appended = await call.ConfigureAwait(false);
        if (appended && notStored is not null && await NotStoredAsync(StoreApart(group)).ConfigureAwait(false) is { } stillNot)
        {
            AuditLog.AuditAppendFailed(_logger, stillNot, _partition.Tenant);
            FailAsked(group.Pendings, new AuditWriteException("The decision's receipt could not be stored.", stillNot));
        }

        return appended;
    }

    // The call that stores the group's batches alone, at the length the group leaves the chain.
    private ValueTask<AppendAdmission> StoreApart(Group group)
    {
        try
        {
            return ((IAdmittingAuditStore)_store).TryAppendAdmittingAsync(_partition, group.End.Length, [], group.LastHash, [], group.Apart, [], []);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<AppendAdmission>(ex);
        }
    }

    private static async ValueTask<Exception?> NotStoredAsync(ValueTask<AppendAdmission> stored)
    {
        try
        {
            return (await stored.ConfigureAwait(false)).Appended ? null : new InvalidDataException("The audit chain was not at the group's end.");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    // Fails the appends that asked for a receipt (settled ones keep what they have).
    private static void FailAsked(List<Pending> pendings, Exception error)
    {
        foreach (var pending in pendings)
        {
            if (pending.Receipt)
            {
                pending.Fail(error);
            }
        }
    }
}
