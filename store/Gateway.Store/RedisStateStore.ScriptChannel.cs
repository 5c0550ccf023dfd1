using System.Net.Sockets;
using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Gateway.Store;

// A script run whose reply is one string, on the store's own channels (RedisStoreOptions.DirectScriptCalls) while
// StackExchange.Redis reports Redis up; otherwise, or for a call its caller may cancel, StackExchange.Redis' own.
public sealed partial class RedisStateStore
{
    // Pooled: one box per audit group's call was 600 bytes; its one caller awaits it once.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadOnlyMemory<byte>> EvaluateToStringAsync(string operation, LuaScript script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken)
    {
        if (_scriptChannels is not { } channels || _deadlines is null || cancellationToken.CanBeCanceled || !_connection.IsConnected)
        {
            return (ReadOnlyMemory<byte>)(RedisValue)await EvaluateAsync(operation, script, keys, values, cancellationToken).ConfigureAwait(false);
        }

        var started = _time.GetTimestamp();
        var deadline = _deadlines.Next();
        try
        {
            return await channels.EvaluateAsync(script, keys, values, deadline).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested)
        {
            throw Unavailable(operation, new TimeoutException(ex.Message, ex));
        }
        catch (Exception ex) when (ex is RedisServerException or SocketException or IOException or InvalidDataException or ObjectDisposedException)
        {
            throw Unavailable(operation, ex);
        }
        finally
        {
            _metrics.RecordDuration(operation, _time.GetElapsedTime(started));
        }
    }
}
