import { useEffect, useRef, useState } from 'react'
import { Input, Text, View } from '@tarojs/components'
import type { z } from 'zod'
import type { ListClassesResponseSchema, SchoolViewSchema } from '../../../../domain/api/profiles'
import { GRADE_LABELS } from '../../../../domain/profile/schemas'
import OptionSheet from '../../components/OptionSheet'
import PickerField from '../../components/PickerField'
import { toAppError } from '../../hooks/useFormErrors'
import { listClasses, searchSchools } from '../../services/profiles'
import { EMPTY_SCHOOL, isGrade, type SchoolForm } from './form-model'

type SchoolView = z.infer<typeof SchoolViewSchema>
type ClassList = z.infer<typeof ListClassesResponseSchema>

interface Props {
  school: SchoolForm
  onChange: (update: (prev: SchoolForm) => SchoolForm) => void
  errors: Readonly<Partial<Record<string, string>>>
  onEdited: (path: string) => void
  disabled?: boolean
}

const SEARCH_DELAY_MS = 300

/**
 * 学籍信息: school → grade → class, each chosen from the server's lists. The
 * school is searched by name or 学校标识码; the grades are those the school has
 * classes in; the classes those of the grade. Changing the school clears grade
 * and class; changing the grade clears a class of another grade.
 */
export default function SchoolSection({ school, onChange, errors, onEdited, disabled }: Props) {
  const [sheet, setSheet] = useState<'school' | 'grade' | 'class' | null>(null)
  const [query, setQuery] = useState('')
  const [results, setResults] = useState<{ items: SchoolView[]; total: number }>()
  const [searching, setSearching] = useState(false)
  const [searchError, setSearchError] = useState<string>()
  const [classes, setClasses] = useState<ClassList>()
  const [classesError, setClassesError] = useState<string>()
  const searchSeq = useRef(0)

  // The classes (and grades) of the chosen school; also fills in the names of a prefilled form.
  useEffect(() => {
    if (!school.schoolId) {
      setClasses(undefined)
      return
    }
    if (classes?.school.id === school.schoolId) return
    let cancelled = false
    setClassesError(undefined)
    listClasses(school.schoolId)
      .then((list) => {
        if (cancelled) return
        setClasses(list)
        onChange((prev) => {
          if (prev.schoolId !== list.school.id) return prev
          const cls = list.items.find((c) => c.id === prev.classId)
          return {
            ...prev,
            schoolName: list.school.name,
            schoolCode: list.school.code,
            className: cls ? cls.name : '',
            classId: cls ? prev.classId : '',
          }
        })
      })
      .catch((err) => {
        if (!cancelled) setClassesError(toAppError(err).message)
      })
    return () => {
      cancelled = true
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [school.schoolId])

  // Search as the user types (debounced); the newest answer wins.
  useEffect(() => {
    if (sheet !== 'school') return
    const seq = ++searchSeq.current
    setSearching(true)
    const timer = setTimeout(() => {
      searchSchools(query)
        .then((page) => {
          if (seq !== searchSeq.current) return
          setResults({ items: page.items, total: page.total })
          setSearchError(undefined)
        })
        .catch((err) => {
          if (seq === searchSeq.current) setSearchError(toAppError(err).message)
        })
        .finally(() => {
          if (seq === searchSeq.current) setSearching(false)
        })
    }, query ? SEARCH_DELAY_MS : 0)
    return () => clearTimeout(timer)
  }, [query, sheet])

  const chooseSchool = (id: string) => {
    const chosen = results?.items.find((s) => s.id === id)
    setSheet(null)
    if (!chosen) return
    onEdited('school.schoolId')
    onChange((prev) =>
      prev.schoolId === chosen.id
        ? prev
        : { ...EMPTY_SCHOOL, schoolId: chosen.id, schoolName: chosen.name, schoolCode: chosen.code },
    )
  }

  const chooseGrade = (grade: string) => {
    setSheet(null)
    onEdited('school.grade')
    onChange((prev) => {
      const keep = classes?.items.some((c) => c.id === prev.classId && c.grade === grade)
      return { ...prev, grade, ...(keep ? {} : { classId: '', className: '' }) }
    })
  }

  const chooseClass = (classId: string) => {
    setSheet(null)
    const cls = classes?.items.find((c) => c.id === classId)
    if (!cls) return
    onEdited('school.classId')
    onChange((prev) => ({ ...prev, classId: cls.id, className: cls.name, grade: cls.grade }))
  }

  const gradeOptions = (classes?.grades ?? []).map((g) => ({ value: g.grade, label: g.label }))
  const classOptions = (classes?.items ?? [])
    .filter((c) => c.grade === school.grade)
    .map((c) => ({ value: c.id, label: c.name }))
  const gradeLabel = isGrade(school.grade) ? GRADE_LABELS[school.grade] : undefined

  return (
    <>
      <PickerField
        name='school'
        label='学校'
        value={school.schoolName || (school.schoolId ? '加载中…' : undefined)}
        placeholder='搜索学校名称或学校标识码'
        onOpen={() => {
          setQuery('')
          setSheet('school')
        }}
        disabled={disabled}
        error={errors['school.schoolId'] ?? classesError}
      />
      <PickerField
        name='grade'
        label='年级'
        value={gradeLabel}
        placeholder={school.schoolId ? '请选择年级' : '请先选择学校'}
        onOpen={() => setSheet('grade')}
        disabled={disabled || !school.schoolId || !classes}
        error={errors['school.grade']}
      />
      <PickerField
        name='class'
        label='班级'
        value={school.className || undefined}
        placeholder={school.grade ? '请选择班级' : '请先选择年级'}
        onOpen={() => setSheet('class')}
        disabled={disabled || !school.grade || !classes}
        error={errors['school.classId']}
      />

      <OptionSheet
        name='school'
        title='选择学校'
        open={sheet === 'school'}
        options={(results?.items ?? []).map((s) => ({ value: s.id, label: s.name, desc: `学校标识码 ${s.code}` }))}
        value={school.schoolId}
        onSelect={chooseSchool}
        onClose={() => setSheet(null)}
        header={
          <View className='school-search'>
            <Input
              className='school-search__input input-school-search'
              value={query}
              placeholder='输入学校名称或 10 位学校标识码'
              focus
              maxlength={50}
              confirmType='search'
              onInput={(e) => setQuery(e.detail.value)}
            />
          </View>
        }
        empty={<Text>{searchError ?? (searching || !results ? '搜索中…' : '没有找到学校，请换个关键词')}</Text>}
        footer={
          results && results.total > results.items.length ? (
            <Text className='school-search__more'>共 {results.total} 所，请输入更完整的名称缩小范围</Text>
          ) : null
        }
      />
      <OptionSheet
        name='grade'
        title='选择年级'
        open={sheet === 'grade'}
        options={gradeOptions}
        value={school.grade}
        onSelect={chooseGrade}
        onClose={() => setSheet(null)}
        empty={<Text>该学校暂无班级信息，请联系学校</Text>}
      />
      <OptionSheet
        name='class'
        title={gradeLabel ? `选择班级（${gradeLabel}）` : '选择班级'}
        open={sheet === 'class'}
        options={classOptions}
        value={school.classId}
        onSelect={chooseClass}
        onClose={() => setSheet(null)}
        empty={<Text>该年级暂无班级</Text>}
      />
    </>
  )
}
