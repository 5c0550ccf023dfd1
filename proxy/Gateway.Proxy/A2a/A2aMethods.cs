namespace Gateway.Proxy.A2a;

/// <summary>What an A2A JSON-RPC method does, whichever wire version names it (1.0's <c>SendMessage</c>, 0.3's <c>message/send</c>).</summary>
internal enum A2aOperation
{
    /// <summary>Not an A2A method.</summary>
    Unknown,

    /// <summary><c>SendMessage</c> / <c>message/send</c>.</summary>
    SendMessage,

    /// <summary><c>GetTask</c> / <c>tasks/get</c>.</summary>
    GetTask,

    /// <summary><c>CancelTask</c> / <c>tasks/cancel</c>.</summary>
    CancelTask,

    /// <summary><c>SendStreamingMessage</c> / <c>message/stream</c>: a message answered as a stream of events.</summary>
    StreamMessage,

    /// <summary><c>SubscribeToTask</c> / <c>tasks/resubscribe</c>: a task's events, as a stream.</summary>
    SubscribeToTask,

    /// <summary><c>ListTasks</c> / <c>tasks/list</c>: the answer keeps only the caller's tasks.</summary>
    ListTasks,

    /// <summary>
    /// A task's push-notification configuration: 1.0's <c>CreateTaskPushNotificationConfig</c>, <c>Get…</c>,
    /// <c>List…</c>, <c>Delete…</c>; 0.3's <c>tasks/pushNotificationConfig/set|get|list|delete</c>.
    /// </summary>
    PushConfig,

    /// <summary>An A2A method the gateway does not govern yet (the extended card).</summary>
    Unsupported,
}

/// <summary>The A2A JSON-RPC method names of versions 1.0 and 0.3, and the version a request speaks.</summary>
internal static class A2aMethods
{
    /// <summary>The operation <paramref name="method"/> names.</summary>
    public static A2aOperation Of(string method) => method switch
    {
        "SendMessage" or "message/send" => A2aOperation.SendMessage,
        "GetTask" or "tasks/get" => A2aOperation.GetTask,
        "CancelTask" or "tasks/cancel" => A2aOperation.CancelTask,
        "SendStreamingMessage" or "message/stream" => A2aOperation.StreamMessage,
        "SubscribeToTask" or "tasks/resubscribe" => A2aOperation.SubscribeToTask,
        "ListTasks" or "tasks/list" => A2aOperation.ListTasks,
        "CreateTaskPushNotificationConfig" or "GetTaskPushNotificationConfig" or "ListTaskPushNotificationConfigs"
            or "ListTaskPushNotificationConfig" or "DeleteTaskPushNotificationConfig" or "tasks/pushNotificationConfig/set"
            or "tasks/pushNotificationConfig/get" or "tasks/pushNotificationConfig/list" or "tasks/pushNotificationConfig/delete" => A2aOperation.PushConfig,
        "GetExtendedAgentCard" or "agent/getAuthenticatedExtendedCard" => A2aOperation.Unsupported,
        _ => A2aOperation.Unknown,
    };

    /// <summary>True when <paramref name="method"/> is answered as an event stream.</summary>
    public static bool IsStreamed(string method) => Of(method) is A2aOperation.StreamMessage or A2aOperation.SubscribeToTask;

    /// <summary>True when <paramref name="method"/> is spelled as A2A 0.3 spells it (<c>noun/verb</c>); false for 1.0.</summary>
    public static bool IsVersion03(string method) => method.Contains('/', StringComparison.Ordinal);
}
