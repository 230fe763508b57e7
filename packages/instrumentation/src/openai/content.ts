/**
 * Chat messages in the GenAI conventions' content shape (`{ role, parts: [...] }`), recorded only
 * when content capture is on.
 */

export interface ChatMessageLike {
  role?: unknown;
  content?: unknown;
  tool_calls?: { id?: unknown; function?: { name?: unknown; arguments?: unknown } }[] | undefined;
  tool_call_id?: unknown;
}

type Part = Record<string, unknown>;

function textParts(content: unknown): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (Array.isArray(content)) {
    return content.map((item: { type?: unknown; text?: unknown }) =>
      typeof item?.text === 'string' ? { type: 'text', content: item.text } : { type: String(item?.type ?? 'unknown') },
    );
  }
  return [];
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args;
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

function messageParts(message: ChatMessageLike): Part[] {
  if (message.role === 'tool') return [{ type: 'tool_call_response', id: message.tool_call_id, response: message.content }];
  const parts = textParts(message.content);
  for (const call of message.tool_calls ?? []) {
    parts.push({ type: 'tool_call', id: call.id, name: call.function?.name, arguments: parseArguments(call.function?.arguments) });
  }
  return parts;
}

/** Input messages except the system/developer ones, which go to `gen_ai.system_instructions`. */
export function chatInputMessages(messages: unknown): unknown {
  if (!Array.isArray(messages)) return undefined;
  return (messages as ChatMessageLike[])
    .filter((m) => m.role !== 'system' && m.role !== 'developer')
    .map((m) => ({ role: m.role, parts: messageParts(m) }));
}

export function chatSystemInstructions(messages: unknown): unknown {
  if (!Array.isArray(messages)) return undefined;
  const parts = (messages as ChatMessageLike[]).filter((m) => m.role === 'system' || m.role === 'developer').flatMap((m) => textParts(m.content));
  return parts.length > 0 ? parts : undefined;
}

export function chatOutputMessage(message: ChatMessageLike, finishReason: string | undefined): unknown {
  return { role: 'assistant', parts: messageParts({ ...message, role: 'assistant' }), finish_reason: finishReason };
}
