using Gateway.Audit;
using Gateway.Store;
using Microsoft.Extensions.Logging;

namespace Gateway.Oversight;

/// <summary>
/// An act a person asks for (an approval vote or revocation, a kill switch; admin API or console), recorded before it is
/// done: the caller's act is written to the tenant's chain first (a journal that cannot take it fails the call before
/// anything changes), then done, and a refusal is written after it under the same request id when the act is refused or
/// throws (its store unavailable: the exception is then rethrown), so that no record of an act that did not happen stands alone.
/// </summary>
public static partial class RecordedAct
{
    /// <summary>
    /// Writes <paramref name="record"/>, then runs <paramref name="act"/> to its end (not cancelled with the caller's request:
    /// the record already says it was asked), then <paramref name="recordRefusal"/> with the refusal's code
    /// (<paramref name="refusalOf"/> of the result: null when the act succeeded) and, when the act threw, its exception
    /// (rethrown; a refusal that cannot be written then is logged, never in its place). The act's result.
    /// </summary>
    public static async ValueTask<T> RunAsync<T>(
        Func<ValueTask<AuditRecord>> record,
        Func<CancellationToken, ValueTask<T>> act,
        Func<T, string?> refusalOf,
        Func<string, Exception?, ValueTask<AuditRecord>> recordRefusal,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(act);
        ArgumentNullException.ThrowIfNull(refusalOf);
        ArgumentNullException.ThrowIfNull(recordRefusal);
        ArgumentNullException.ThrowIfNull(logger);
        await record();
        T result;
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

        if (refusalOf(result) is { } refused)
        {
            await recordRefusal(refused, null);
        }

        return result;
    }

    /// <summary>The same for an act with no result, which is refused only by throwing (a kill switch).</summary>
    public static async ValueTask RunAsync(
        Func<ValueTask<AuditRecord>> record,
        Func<CancellationToken, ValueTask> act,
        Func<string, Exception?, ValueTask<AuditRecord>> recordRefusal,
        ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(act);
        await RunAsync(
            record,
            async cancellationToken =>
            {
                await act(cancellationToken);
                return true;
            },
            static _ => null,
            recordRefusal,
            logger);
    }

    /// <summary>The stable code of an act that threw: <c>store_unavailable</c> for the store, <c>internal_error</c> otherwise.</summary>
    public static string CodeOf(Exception failure) =>
        failure is StateStoreUnavailableException ? ProblemCodes.StoreUnavailable : ProblemCodes.InternalError;

    [LoggerMessage(EventId = 4008, Level = LogLevel.Error, Message = "A recorded act failed ({Code}) after its record, and the failure could not be recorded after it")]
    private static partial void FailureNotRecorded(ILogger logger, string code, Exception exception);
}
