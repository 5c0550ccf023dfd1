using Gateway.Audit;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight.Approvals;

/// <summary>
/// An approve, deny or revoke a person asks for (admin API or console), recorded before it is done: the caller's act is
/// written to the tenant's chain first (a journal that cannot take it fails the call before anything changes), then done,
/// and a refusal is written after it under the same request id when the service refuses the act or the act throws (its
/// store unavailable: the exception is then rethrown), so that no record of an act that did not happen stands alone.
/// </summary>
public static partial class RecordedApprovalAct
{
    /// <summary>
    /// Writes <paramref name="record"/>, then runs <paramref name="act"/> to its end (not cancelled with the caller's request:
    /// the record already says it was asked), then <paramref name="recordRefusal"/> with the refusal's code and, when the act
    /// threw, its exception (rethrown; a refusal that cannot be written then is logged, never in its place). The act's result.
    /// </summary>
    public static async ValueTask<ApprovalActionResult> RunAsync(
        Func<ValueTask<AuditRecord>> record,
        Func<CancellationToken, ValueTask<ApprovalActionResult>> act,
        Func<string, Exception?, ValueTask<AuditRecord>> recordRefusal,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(act);
        ArgumentNullException.ThrowIfNull(recordRefusal);
        ArgumentNullException.ThrowIfNull(logger);
        await record();
        ApprovalActionResult result;
        try
        {
            result = await act(CancellationToken.None);
        }
        catch (Exception failure)
        {
            var code = CodeOf(failure);
            try
            {
                await recordRefusal(code, failure);
            }
            catch (Exception unrecorded)
            {
                FailureNotRecorded(logger, code, unrecorded);
            }

            throw;
        }

        if (!result.Succeeded)
        {
            await recordRefusal(result.Code!, null);
        }

        return result;
    }

    /// <summary>The stable code of an act that threw: <c>store_unavailable</c> for the store, <c>internal_error</c> otherwise.</summary>
    public static string CodeOf(Exception failure) =>
        failure is StateStoreUnavailableException ? ProblemCodes.StoreUnavailable : ProblemCodes.InternalError;

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "An approval act failed ({Code}) after its record, and the failure could not be recorded after it")]
    private static partial void FailureNotRecorded(ILogger logger, string code, Exception exception);
}
