import { describe, expect, it } from 'vitest';
import { EVENT_CATALOGUE, EVENT_TYPES, getIdentity, parseWebhook, sameContent, type NormalizedEvent, type Party } from 'mluvii-state';
import { loadFixtures } from './support/fixtures.js';

const op = (userId: number): Party => ({ kind: 'operator', userId });
const GUEST: Party = { kind: 'guest' };
const SYSTEM: Party = { kind: 'system' };

type Expected = [stream: string, time: string | null, actor: Party | null, target: Party | null, participant: number | null];

/** What each example normalizes to: the stream it feeds, its time, who acts, whom it targets. */
const EXPECTED: Record<string, Expected> = {
  SessionCreated: ['session:7371450', null, null, null, null],
  SessionStarted: ['session:7371450', '2024-05-02T14:05:24.454661Z', null, null, null],
  SessionOperatorJoined: ['session:7371450', '2024-05-02T14:05:24.454661Z', op(4), null, 4],
  SessionForwarded: ['session:7373420', '2024-05-03T07:41:31.257306Z', null, { kind: 'group', groupId: 7299 }, null],
  SessionEnded: ['session:7363963', '2024-05-02T13:34:12.871976Z', null, null, null],
  SessionOperatorLeft: ['session:7371193', '2024-05-02T13:32:52.539588Z', op(4301), null, 4301],
  SessionOperatorConcluded: ['session:7429963', '2024-05-20T12:46:29.969234Z', op(2710), null, 2710],
  SessionCallParamsUpdated: ['session:7383872', null, null, null, null],
  SessionRecordingPostProcessingCompleted: ['session:7404608', null, null, null, null],
  SessionActivityAutoActivity: ['session:7380342', '2024-05-06T06:31:13.722852Z', SYSTEM, null, null],
  SessionActivityAvRequest: ['session:7375793', '2024-05-03T11:54:49.450758Z', op(2710), null, null],
  SessionActivityAvTerminated: ['session:7375793', '2024-05-03T11:57:03.140972Z', op(2710), null, null],
  SessionActivityAvResponse: ['session:7375793', '2024-05-03T11:54:55.120331Z', op(2710), null, null],
  SessionActivityAvMediaResult: ['session:7375793', '2024-05-03T11:54:57.004512Z', op(2710), null, null],
  SessionActivityCallScript: ['session:7383104', '2024-05-06T11:46:07.605708Z', SYSTEM, null, null],
  SessionActivityCallScriptSubmission: ['session:7383014', '2024-05-06T11:37:57.649363Z', GUEST, null, null],
  SessionActivityCobrowsingStarted: ['session:7383263', '2024-05-06T12:10:19.928721Z', GUEST, null, null],
  SessionActivityExternalMessage: ['session:7369378', '2024-05-06T12:33:06.262000Z', SYSTEM, null, null],
  SessionActivityHeroCard: ['session:7383497', '2024-05-06T12:37:20.236594Z', { kind: 'chatbot', chatbotId: 329 }, null, null],
  SessionActivityHeroCardSubmission: ['session:7383497', '2024-05-06T12:44:07.799984Z', null, null, null],
  SessionActivityChatToMail: ['session:7383497', '2024-05-06T12:49:23.808642Z', op(2710), null, null],
  SessionActivityLastFarewellMessage: ['session:7404414', '2024-05-15T13:32:58.045333Z', SYSTEM, null, null],
  SessionActivityPreviewUrl: ['session:7383741', '2024-05-06T13:10:16.129690Z', GUEST, null, null],
  SessionActivityOnHold: ['session:7383730', '2024-05-06T13:05:29.719899Z', op(2710), null, null],
  SessionActivityOperatorInviteCanceled: ['session:7383741', '2024-05-06T13:11:36.541724Z', op(2710), null, null],
  SessionActivityOperatorInvited: ['session:7383741', '2024-05-06T13:12:44.604000Z', op(2710), op(4254), 4254],
  SessionActivityOperatorInviteRejected: ['session:7383936', '2024-05-06T13:45:46.295607Z', op(4254), null, 4254],
  SessionActivityResumeGuest: ['session:7383786', '2024-05-06T13:14:50.080729Z', op(2710), null, null],
  SessionActivitySessionEnded: ['session:7383798', '2024-05-06T13:16:43.605072Z', GUEST, null, null],
  SessionActivitySessionForwarded: ['session:7383798', '2024-05-06T13:16:41.556226Z', op(2710), op(4), null],
  SessionActivitySharedFile: ['session:7418778', '2024-05-16T12:21:41.771847Z', op(2710), null, null],
  SessionActivitySharedScreen: ['session:7383872', '2024-05-06T13:35:02.284622Z', op(2710), null, null],
  SessionActivityWelcomeMessage: ['session:7383872', '2024-05-06T13:31:14.630270Z', SYSTEM, null, null],
  SessionActivityChatMessage: ['session:7383872', '2024-05-06T13:31:20.118213Z', GUEST, null, null],
  SessionActivityChatbotMessage: ['session:7383872', '2024-05-06T13:31:20.118213Z', { kind: 'chatbot', chatbotId: 329 }, null, null],
  SessionActivityChatbotHeroCardSubmission: ['session:7383872', '2024-05-06T13:31:20.118213Z', GUEST, null, null],
  SessionActivityAutoActivityAsOperator: ['session:7383872', '2024-05-06T13:31:20.118213Z', op(2710), null, null],
  SessionActivityCobrowsingStoppedByGuest: ['session:7383872', '2024-05-06T13:31:20.118213Z', GUEST, null, null],
  SessionActivityScreenSharingFailedByGuest: ['session:7383872', '2024-05-06T13:31:20.118213Z', GUEST, null, null],
  SessionActivityFileUploadFailed: ['session:7383872', '2024-05-06T13:31:20.118213Z', GUEST, null, null],
  SessionActivityOperatorKicked: ['session:7383872', '2024-05-06T13:31:20.118213Z', op(2710), null, null],
  EmailThreadCreated: ['email:749422', '2024-05-09T12:40:38.000000Z', null, null, null],
  EmailThreadOperatorJoined: ['email:749425', '2024-05-13T10:03:15.573640Z', op(2710), null, 2710],
  EmailThreadOperatorLeft: ['email:749425', '2024-05-13T10:04:36.435817Z', op(2710), null, 2710],
  EmailThreadForwarded: ['email:749422', '2024-05-13T10:23:20.866743Z', null, op(4254), 4254],
  EmailThreadParamsUpdated: ['email:749422', null, null, null, null],
  ApplicationSettingChanged: ['tenant:62', null, null, null, null],
  GuestIdentityUpdated: ['contact:3539865', null, null, null, null],
  UserStatusChanged: ['operator:2710', null, op(2710), null, 2710],
};

const iso = (us: number) => {
  const ms = Math.floor(us / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1000).padStart(3, '0')}Z`;
};

describe('the catalogue', () => {
  const fixtures = loadFixtures();

  it('knows 49 event types, 39 documented and 10 not', () => {
    expect(EVENT_TYPES).toHaveLength(49);
    expect(EVENT_TYPES.filter((t) => EVENT_CATALOGUE[t].documented)).toHaveLength(39);
    expect(new Set(EVENT_TYPES)).toEqual(new Set(Object.keys(EXPECTED)));
  });

  it('has one fixture per event type: the 39 vendor examples and 10 constructed ones', () => {
    expect(fixtures.filter((f) => f.origin === 'vendor')).toHaveLength(39);
    expect(new Set(fixtures.map((f) => f.name))).toEqual(new Set(EVENT_TYPES));
  });

  describe.each(fixtures.map((f) => [f.name, f] as const))('%s', (name, fixture) => {
    it('parses to the expected normalized event', () => {
      const result = parseWebhook(fixture.text);
      expect(result.ok, JSON.stringify(!result.ok && result.error)).toBe(true);
      const event = (result as { event: NormalizedEvent }).event;
      const [stream, time, actor, target, participant] = EXPECTED[name]!;
      expect(event.known).toBe(true);
      expect(event.eventType).toBe(name);
      expect(event.family).toBe(EVENT_CATALOGUE[name as keyof typeof EVENT_CATALOGUE].family);
      expect(event.stream).toBe(stream);
      expect(event.time === null ? null : iso(event.time)).toBe(time);
      expect(event.actor).toEqual(actor);
      expect(event.target).toEqual(target);
      expect(event.participant).toBe(participant);
      expect(event.data).toEqual(fixture.body.data);
    });

    it('parses the same from a Buffer and from a parsed object', () => {
      const fromText = parseWebhook(fixture.text);
      expect(parseWebhook(Buffer.from(fixture.text))).toEqual(fromText);
      // The fixture file is pretty-printed, the object is serialized compactly: same event.
      const fromObject = parseWebhook(fixture.body);
      expect(fromObject.ok && fromObject.event).toEqual(fromText.ok && fromText.event);
    });
  });

  it('keeps unknown enum values and extra fields', () => {
    const body = { eventType: 'SessionStarted', data: { id: 1, tenantId: 2, channel: 'Hologram', source: 'Pigeon', started: '2024-05-02T16:05:24+02:00', region: { eu: true } } };
    const result = parseWebhook(body);
    expect(result.ok && result.event.data).toEqual(body.data);
  });

  it('accepts an unknown event type with a well-formed envelope as an unknown event', () => {
    const result = parseWebhook({ eventType: 'SessionActivityTeleported', data: { sessionId: 5, activityId: 9 } });
    expect(result.ok).toBe(true);
    const event = (result as { event: NormalizedEvent }).event;
    expect(event).toMatchObject({ known: false, family: 'unknown', stream: 'session:5', time: null, typeCode: 0 });
    const other = parseWebhook({ eventType: 'TenantRenamed', data: { name: 'x' } });
    expect(other.ok && other.event.stream).toBe('unknown:TenantRenamed');
  });

  it('accepts the prefixed `type` the vendor page shows for CobrowsingStarted', () => {
    const fixture = loadFixtures().find((f) => f.name === 'SessionActivityCobrowsingStarted')!;
    const body = { ...fixture.body, data: { ...fixture.body.data, type: 'SessionActivityCobrowsingStarted' } };
    expect(parseWebhook(body).ok).toBe(true);
  });

  it('tells SessionForwarded (userId = target) from the activity (userId = source)', () => {
    const lifecycle = parseWebhook({ eventType: 'SessionForwarded', data: { id: 1, tenantId: 62, channel: 'Chat', source: 'Default', time: '2024-05-03T09:41:31.257306+02:00', userId: 4 } });
    expect(lifecycle.ok && [lifecycle.event.actor, lifecycle.event.target]).toEqual([null, op(4)]);
  });

  it('computes the dedupe identities of domain-notes', () => {
    const identity = (name: string) => {
      const result = parseWebhook(fixtures.find((f) => f.name === name)!.text);
      return result.ok ? getIdentity(result.event) : 'rejected';
    };
    expect(identity('SessionActivityOnHold')).toBe('SessionActivityOnHold:50898864');
    expect(identity('SessionActivityHeroCardSubmission')).toBe('SessionActivityHeroCardSubmission:7383497:2273:1714999447799984');
    expect(identity('SessionActivityAvRequest')).toBe('SessionActivityAvRequest:7375793:2710:1714737289450758');
    expect(identity('SessionOperatorJoined')).toBe('SessionOperatorJoined:7371450:4:1714658724454661');
    expect(identity('SessionEnded')).toBe('SessionEnded:7363963::1714656852871976');
    expect(identity('SessionCreated')).toBe('SessionCreated:7371450');
    expect(identity('UserStatusChanged')).toBeNull();
    // A timeless signal is identified by its content: an identical body is a re-delivery.
    expect(identity('SessionCallParamsUpdated')).toMatch(/^SessionCallParamsUpdated#[0-9a-f]{16}$/);
  });

  it('tells equal content (whatever the whitespace and key order) from different content', () => {
    const event = (body: unknown) => {
      const result = parseWebhook(body);
      if (!result.ok) throw new Error(result.error.message);
      return result.event;
    };
    const a = event({ eventType: 'UserStatusChanged', data: { userId: 1, status: 'AWAY', extra: { x: [1, null] } } });
    const b = event(Buffer.from('{ "eventType": "UserStatusChanged", "data": { "extra": {"x":[1,null]}, "status": "AWAY", "userId": 1 } }'));
    const c = event({ eventType: 'UserStatusChanged', data: { userId: 1, status: 'AWAY', extra: { x: [1, 0] } } });
    const d = event({ eventType: 'UserStatusChanged', data: { userId: 1, status: 'AWAY' } });
    expect(sameContent(a, b)).toBe(true);
    expect(sameContent(a, c)).toBe(false);
    expect(sameContent(a, d)).toBe(false);
    expect(sameContent(d, a)).toBe(false);
  });

  it('names an unknown event type by its content, whitespace aside', () => {
    const identity = (text: string) => {
      const result = parseWebhook(text);
      return result.ok ? getIdentity(result.event) : 'rejected';
    };
    const one = identity('{"eventType":"TenantRenamed","data":{"name":"x"}}');
    expect(one).toMatch(/^TenantRenamed#[0-9a-f]{16}$/);
    expect(identity('{ "eventType": "TenantRenamed", "data": { "name": "x" } }')).toBe(one);
    expect(identity('{"eventType":"TenantRenamed","data":{"name":"y"}}')).not.toBe(one);
  });
});
