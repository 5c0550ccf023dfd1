using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Gamut.Agent;

/// <summary>
/// A Microsoft.Extensions.AI <see cref="DelegatingChatClient"/> that makes each invocation of the chat client it wraps one
/// run at the gateway: started before it, carried by every call of <c>gamut</c> during it (the model turns of
/// <see cref="GamutChatClient"/>, the tool calls of <see cref="GamutToolFunction"/>, anything signed by <c>gamut</c>'s
/// handler), and ended with its outcome, completed or failed. Put it outermost, around the function-invoking loop, so that
/// one agent invocation (all its model turns and tool calls) is one run:
/// <c>new ChatClientBuilder(new GamutChatClient(gamut, model)).Use(inner =&gt; new GamutRunChatClient(inner, gamut)).UseFunctionInvocation().Build()</c>.
/// An operator's cancel stops the invocation with <see cref="GamutRunCancelledException"/>.
/// </summary>
public sealed class GamutRunChatClient : DelegatingChatClient
{
    private readonly GamutClient _gamut;
    private readonly GamutRunOptions _run;

    /// <param name="innerClient">The chat client (the agent loop) each invocation of which is one run.</param>
    /// <param name="gamut">The agent's client the loop's model and tools act through.</param>
    /// <param name="framework">The framework the run names.</param>
    /// <param name="purpose">What each run is for.</param>
    public GamutRunChatClient(IChatClient innerClient, GamutClient gamut, string framework = "microsoft-extensions-ai", string? purpose = null)
        : base(innerClient)
    {
        ArgumentNullException.ThrowIfNull(gamut);
        _gamut = gamut;
        _run = new GamutRunOptions { Framework = framework, Purpose = purpose };
    }

    /// <inheritdoc/>
    public override Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        _gamut.RunAsync((_, token) => base.GetResponseAsync(messages, options, token), _run, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>The run spans the whole invocation: its updates are yielded once it has ended.</remarks>
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var updates = await _gamut.RunAsync((_, token) => CollectAsync(base.GetStreamingResponseAsync(messages, options, token), token), _run, cancellationToken).ConfigureAwait(false);
        foreach (var update in updates)
        {
            yield return update;
        }
    }

    private static async Task<List<ChatResponseUpdate>> CollectAsync(IAsyncEnumerable<ChatResponseUpdate> updates, CancellationToken cancellationToken)
    {
        var collected = new List<ChatResponseUpdate>();
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            collected.Add(update);
        }

        return collected;
    }
}
