using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Proxy.Tests.Infrastructure;

/// <summary>
/// A real Kestrel workspace store, as a <c>context</c> connector with <c>writeback</c> expects one: <c>PUT /workspace</c>
/// keeps the item the gateway built (by scope and name, in memory, exactly as received) and answers 201;
/// <c>GET /workspace?scope=&amp;query=</c> answers the scope's items whose name or content contains the query, as a pack
/// <c>{"scope", "items": [...]}</c>. An item named <c>fail-…</c> is answered 500 and not kept; the query <c>text-pack</c>
/// is answered with plain text (not a pack), and <see cref="NotFoundPack"/> 404 with a pack holding a pii item. <see cref="Seed"/> puts an item in as another writer would.
/// </summary>
public sealed class WorkspaceStore : IAsyncDisposable
{
    /// <summary>The store's path below its origin.</summary>
    public const string Path = "/workspace";

    /// <summary>The query answered 404 with a pack all the same, holding one pii item whose content is <see cref="NotFoundContent"/>.</summary>
    public const string NotFoundPack = "not-found-pack";

    /// <summary>The content of the pii item in the 404 answer to <see cref="NotFoundPack"/>.</summary>
    public const string NotFoundContent = "home address of the launch lead";

    private readonly ConcurrentDictionary<(string Scope, string Name), JsonObject> _items = new();

    private WorkspaceStore()
    {
    }

    public KestrelUpstream Server { get; private set; } = null!;

    /// <summary>The store's URL, as a catalog entry's <c>upstream</c>.</summary>
    public string Url => Server.Origin + Path;

    /// <summary>Every write the store received, in order.</summary>
    public IReadOnlyList<ReceivedRequest> Writes => [.. Server.Received.Where(static r => r.Method == HttpMethods.Put)];

    public static async Task<WorkspaceStore> StartAsync()
    {
        var store = new WorkspaceStore();
        store.Server = await KestrelUpstream.StartAsync(app =>
        {
            app.MapPut(Path, async (HttpContext context) =>
            {
                var item = (await JsonNode.ParseAsync(context.Request.Body).ConfigureAwait(false))!.AsObject();
                var name = item["name"]!.GetValue<string>();
                if (name.StartsWith("fail-", StringComparison.Ordinal))
                {
                    return Results.Json(new { error = "disk full" }, statusCode: StatusCodes.Status500InternalServerError);
                }

                store._items[(item["scope"]!.GetValue<string>(), name)] = item;
                return Results.Json(new { stored = name }, statusCode: StatusCodes.Status201Created);
            });
            app.MapGet(Path, (string? scope, string? query) =>
            {
                if (query == "text-pack")
                {
                    return Results.Text("every item, as text", "text/plain");
                }

                if (query == NotFoundPack)
                {
                    return Results.Json(new JsonObject
                    {
                        ["scope"] = scope,
                        ["items"] = new JsonArray(new JsonObject { ["name"] = "stray", ["content"] = NotFoundContent, ["data_classes"] = new JsonArray("internal", "pii") }),
                    }, statusCode: StatusCodes.Status404NotFound);
                }

                var items = store._items
                    .Where(pair => pair.Key.Scope == scope && (string.IsNullOrEmpty(query) || pair.Key.Name.Contains(query, StringComparison.Ordinal)
                        || pair.Value["content"]!.ToJsonString().Contains(query, StringComparison.Ordinal)))
                    .OrderBy(static pair => pair.Key.Name, StringComparer.Ordinal)
                    .Select(static pair => pair.Value.DeepClone())
                    .ToArray();
                return Results.Json(new JsonObject { ["scope"] = scope, ["items"] = new JsonArray(items) });
            });
        }).ConfigureAwait(false);
        return store;
    }

    /// <summary>Puts an item in as another writer would (not through the gateway).</summary>
    public void Seed(string scope, string json)
    {
        var item = JsonNode.Parse(json)!.AsObject();
        item["scope"] = scope;
        _items[(scope, item["name"]!.GetValue<string>())] = item;
    }

    /// <summary>The item kept under <paramref name="scope"/> and <paramref name="name"/>, as the gateway sent it.</summary>
    public JsonElement? Item(string scope, string name) =>
        _items.TryGetValue((scope, name), out var item) ? JsonDocument.Parse(item.ToJsonString()).RootElement.Clone() : null;

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
